import { isImageClassifier, isTextMatcher } from '../core/capabilities.js';
import { rtsError } from '../core/errors.js';
import type { Model } from '../core/model.js';
import { quote } from '../core/quote.js';
import type { Tensor } from '../core/tensor.js';
import type { RtsConfig } from './config.js';
import type { OipLimits } from './oip/limits.js';

/**
 * Request parameters that several routes accept, each checked here once,
 * with one rule, at the edge: every route that reaches a model (v1, /score,
 * /models/{name}/score, OIP infer) calls these before any work. The edge
 * checks shape and limits; a model checks only what only it knows (its
 * inputs' names and datatypes, whether the bytes are an image).
 */
export type RequestLimits = Pick<RtsConfig, 'maxQuestionChars' | 'maxQuestionsPerRequest' | 'maxImagesPerRequest' | 'maxTopK'>;

/**
 * `topK`: an integer from 1 to `maxTopK` (also as a decimal string, for query
 * strings and form fields), or "all"; absent → `fallback`. The answer is at
 * most `count` (the model's FAQs or classes), so models get 1 ≤ k ≤ count.
 */
export function parseTopK(value: unknown, fallback: number, count: number, maxTopK: number): number {
  if (value === undefined || value === null) return Math.max(1, Math.min(fallback, count));
  if (value === 'all') return count;
  const n = typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxTopK) {
    throw rtsError('INVALID_INPUT', `topK must be an integer from 1 to ${maxTopK} or "all" (got ${quote(value)})`);
  }
  return Math.min(n, count);
}

/** A question must be a non-blank string within the length limit. */
export function checkQuestion(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string') throw rtsError('INVALID_INPUT', `${field} must be a string`);
  if (value.length > maxChars) throw rtsError('PAYLOAD_TOO_LARGE', `${field} is ${value.length} characters; the limit is ${maxChars}`);
  if (value.trim().length === 0) throw rtsError('INVALID_INPUT', `${field} must not be empty`);
  return value;
}

/** How many questions one request may ask (checked before any question is read). */
export function checkQuestionCount(count: number, limits: RequestLimits): void {
  if (count === 0) throw rtsError('INVALID_INPUT', 'at least one question is needed');
  if (count > limits.maxQuestionsPerRequest) {
    throw rtsError('PAYLOAD_TOO_LARGE', `at most ${limits.maxQuestionsPerRequest} questions per request (got ${count})`);
  }
}

/** A list of questions: the count, then each question. */
export function checkQuestions(values: readonly unknown[], field: string, limits: RequestLimits): string[] {
  checkQuestionCount(values.length, limits);
  return values.map((q, i) => checkQuestion(q, `${field}[${i}]`, limits.maxQuestionChars));
}

/**
 * How many images one request may send: at most `maxImagesPerRequest`, and,
 * once the model is known, no more than its queue can ever hold (such a
 * request could only fail later, after costing work: 413 up front instead).
 */
export function checkImageCount(count: number, limits: RequestLimits, model?: Model): void {
  if (count === 0) throw rtsError('INVALID_INPUT', 'no image in the request');
  if (count > limits.maxImagesPerRequest) {
    throw rtsError('PAYLOAD_TOO_LARGE', `at most ${limits.maxImagesPerRequest} images per request (got ${count})`);
  }
  const queue = model?.metadata.maxQueueSize;
  if (queue !== undefined && count > queue) {
    throw rtsError('PAYLOAD_TOO_LARGE', `model "${model!.name}" queues at most ${queue} images; this request has ${count}`);
  }
}

const lenient = new TextDecoder('utf-8');

/**
 * The same limits for a tensor request (OIP infer), by what the model is:
 * a text matcher's BYTES elements are questions, an image classifier's batch
 * dimension counts images. Runs after the protocol parse (whose own bounds —
 * body size, elements, rank, inputs — hold for every model) and before the model.
 */
export function checkTensorRequest(model: Model, inputs: readonly Tensor[], limits: RequestLimits): void {
  if (isTextMatcher(model)) {
    const texts = inputs.filter((t) => t.datatype === 'BYTES');
    checkQuestionCount(
      texts.reduce((n, t) => n + t.data.length, 0),
      limits,
    );
    for (const t of texts) {
      (t.data as readonly Uint8Array[]).forEach((bytes, i) => {
        const field = `input ${quote(t.name)} element ${i}`;
        // A UTF-16 unit takes at most 3 UTF-8 bytes: past 3 × the limit it is too long without decoding.
        if (bytes.length > 3 * limits.maxQuestionChars) {
          throw rtsError('PAYLOAD_TOO_LARGE', `${field} is ${bytes.length} bytes; the limit is ${limits.maxQuestionChars} characters`);
        }
        checkQuestion(lenient.decode(bytes), field, limits.maxQuestionChars);
      });
    }
  } else if (isImageClassifier(model)) {
    for (const t of inputs) checkImageCount(t.shape[0] ?? 1, limits, model);
  }
}

/**
 * The protocol parse's bounds for one model, tightened where a request limit
 * is known before any tensor is decoded: a text matcher's elements are
 * questions, so a 100,000-element text tensor is a 413 on its shape alone.
 */
export function oipLimitsFor(model: Model, base: OipLimits, limits: RequestLimits): OipLimits {
  return isTextMatcher(model) ? { ...base, maxElements: Math.min(base.maxElements, limits.maxQuestionsPerRequest) } : base;
}
