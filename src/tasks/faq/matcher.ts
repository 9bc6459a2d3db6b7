/**
 * The `faq-matcher` model kind: a trained text pipeline (TF-IDF features + multinomial
 * logistic regression over the FAQs) and the FAQ list, served as a TextMatcher and as a
 * tensor model (BYTES questions in, FP32 probabilities + BYTES top label out).
 *
 * Everything about the FAQs is learnt at training time: a request vectorises only its own
 * questions and scores all of them with one sparse × dense product; the FAQs are never
 * re-vectorised (the reference did that per request).
 */
import { basename, dirname, join } from 'node:path';
import type { MatchOptions, TextMatch, TextMatcher } from '../../core/capabilities.js';
import { abortError, isRtsError, rtsError } from '../../core/errors.js';
import type { InferOptions, ModelBuildContext, ModelKind, ModelLoadContext, ModelMetadata } from '../../core/model.js';
import { type ModelObserver, nullObserver } from '../../core/observer.js';
import { quote } from '../../core/quote.js';
import { topK } from '../../core/rank.js';
import { shapeMatches, type Tensor } from '../../core/tensor.js';
import { addTiming, type RequestTimings } from '../../core/timings.js';
import { argmaxRows, loadPipeline, type TextPipeline } from '../../text/index.js';
import { cleanText } from './data/clean.js';
import { DATASET_CHOICES, isDatasetName } from './data/datasets.js';
import { FAQ_MATCHER_KIND, type FaqEntry, parseMatcherOptions, readFaqsJson } from './model-files.js';

export { FAQ_MATCHER_KIND } from './model-files.js';

/**
 * Most questions one pipeline call scores, published as the model's `maxBatchSize`: a longer
 * request is scored in chunks of this size, so its working memory (questions × features and
 * questions × FAQs) stays bounded whatever the edge lets through. Rows are independent, so the
 * chunking changes no score; the cost per question is the same.
 */
export const FAQ_MAX_BATCH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Characters of questions scored between two yields to the event loop (≈ 10 ms of scoring). */
const SLICE_CHARS = 16_384;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FaqMatcher implements TextMatcher {
  readonly capability = 'text-matcher' as const;
  readonly kind = FAQ_MATCHER_KIND;
  readonly metadata: ModelMetadata;
  readonly faqCount: number;
  private readonly labelBytes: Uint8Array[];
  private closed = false;

  constructor(
    readonly name: string,
    readonly version: string,
    private readonly pipeline: TextPipeline,
    readonly faqs: readonly FaqEntry[],
    readonly defaultTopK: number,
    /** Told each scoring run's size and time (statistics, metrics). */
    private readonly observer: ModelObserver = nullObserver,
  ) {
    if (pipeline.nClasses !== faqs.length) {
      throw rtsError(
        'CORRUPT_MODEL',
        `model "${name}" version ${version}: the pipeline scores ${pipeline.nClasses} classes but faqs.json lists ${faqs.length} FAQs`,
      );
    }
    this.faqCount = faqs.length;
    const labels = faqs.map((f) => String(f.id));
    this.labelBytes = labels.map((l) => encoder.encode(l));
    this.metadata = {
      name,
      version,
      kind: FAQ_MATCHER_KIND,
      platform: 'rtscore_text',
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, this.faqCount] },
        { name: 'label', datatype: 'BYTES', shape: [-1] },
      ],
      maxBatchSize: FAQ_MAX_BATCH,
      properties: {
        faqs: String(this.faqCount),
        features: String(pipeline.nFeatures),
        defaultTopK: String(defaultTopK),
      },
      labels: { probabilities: labels },
    };
  }

  /**
   * Match probabilities, questions × FAQs, row-major. Questions are scored
   * in slices of about `SLICE_CHARS` characters (and at most FAQ_MAX_BATCH
   * questions), one vectorisation + product each, yielding to the event loop
   * between slices: a long batch never holds it for more than a slice
   * (~10 ms), and a cancelled request stops there.
   */
  async scores(questions: readonly string[], signal?: AbortSignal, timings?: RequestTimings): Promise<Float32Array> {
    const n = this.faqCount;
    const out = new Float32Array(questions.length * n);
    for (let start = 0; start < questions.length; ) {
      if (start > 0) {
        await yieldToEventLoop();
        if (signal?.aborted) throw abortError(signal);
      }
      let end = start + 1;
      for (
        let chars = questions[start]!.length;
        end < questions.length && end - start < FAQ_MAX_BATCH && chars + questions[end]!.length <= SLICE_CHARS;
        end++
      ) {
        chars += questions[end]!.length;
      }
      out.set(this.scoreSlice(questions.slice(start, end), timings), start * n);
      start = end;
    }
    return out;
  }

  private scoreSlice(questions: readonly string[], timings?: RequestTimings): Float32Array {
    if (this.closed) throw rtsError('MODEL_NOT_READY', `model "${this.name}" version ${this.version} is closed`);
    // Prepared the way training texts were; the edge has checked them (server/params.ts).
    const texts = questions.map(cleanText);
    try {
      // pipeline.predictProba in its two phases, timed apart: vectorise, then score.
      const t0 = performance.now();
      const features = this.pipeline.transform(texts);
      const t1 = performance.now();
      const P = this.pipeline.classifier.predictProba(features);
      const t2 = performance.now();
      addTiming(timings, 'preprocess', t1 - t0);
      addTiming(timings, 'inference', t2 - t1);
      // Statistics and metrics: each slice is one model execution.
      this.observer.preprocess?.(this.name, this.version, (t1 - t0) / 1000);
      this.observer.batch?.(this.name, this.version, texts.length, (t2 - t1) / 1000);
      return P;
    } catch (err) {
      if (isRtsError(err)) throw err;
      throw rtsError('INFERENCE_FAILED', `scoring failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async match(questions: string[], options: MatchOptions): Promise<TextMatch[][]> {
    const k = options.topK;
    if (options.signal?.aborted) throw abortError(options.signal);
    const P = await this.scores(questions, options.signal, options.timings);
    const n = this.faqCount;
    // Best first; ties in class-index order so the ranking is deterministic.
    return questions.map((_q, i) =>
      topK(P.subarray(i * n, (i + 1) * n), k).map(({ index, score }) => {
        const f = this.faqs[index]!;
        return { id: f.id, answerId: f.answerId, question: f.question, answer: f.answer, score };
      }),
    );
  }

  async infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    if (options.signal?.aborted) throw abortError(options.signal);
    const questions = decodeTextInput(inputs);
    const wanted = options.outputs ?? ['probabilities', 'label'];
    for (const o of wanted) {
      if (o !== 'probabilities' && o !== 'label') throw rtsError('INVALID_INPUT', `unknown output ${quote(o)} (outputs: probabilities, label)`);
    }
    const P = await this.scores(questions, options.signal, options.timings);
    const n = this.faqCount;
    const out: Tensor[] = [];
    for (const o of wanted) {
      if (o === 'probabilities') {
        out.push({ name: 'probabilities', datatype: 'FP32', shape: [questions.length, n], data: P });
      } else {
        const labels = Array.from(argmaxRows(P, questions.length, n), (best) => this.labelBytes[best]!);
        out.push({ name: 'label', datatype: 'BYTES', shape: [questions.length], data: labels });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The single `text` input: BYTES, shape [n] or [n, 1], each element a UTF-8 question. */
export function decodeTextInput(inputs: Tensor[]): string[] {
  const expected = 'one input "text" of datatype BYTES and shape [-1] (or [-1, 1]) holding UTF-8 questions';
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    throw rtsError('INVALID_INPUT', `expected ${expected}, got ${Array.isArray(inputs) ? inputs.length : 'no'} inputs`);
  }
  const t = inputs[0]!;
  if (t.name !== 'text') throw rtsError('INVALID_INPUT', `unknown input ${quote(t.name)}: expected ${expected}`);
  if (t.datatype !== 'BYTES') throw rtsError('INVALID_INPUT', `input "text" has datatype ${t.datatype}: expected ${expected}`);
  if (!Array.isArray(t.shape) || !(shapeMatches([-1], t.shape) || shapeMatches([-1, 1], t.shape))) {
    throw rtsError('INVALID_INPUT', `input "text" has shape [${String(t.shape)}]: expected ${expected}`);
  }
  const n = t.shape[0]!;
  if (!(Number.isInteger(n) && n >= 1)) throw rtsError('INVALID_INPUT', 'input "text" must hold at least one question');
  if (!Array.isArray(t.data) || t.data.length !== n) {
    throw rtsError('INVALID_INPUT', `input "text" has shape [${t.shape.join(', ')}] but ${Array.isArray(t.data) ? t.data.length : 'no'} byte strings`);
  }
  return t.data.map((bytes, i) => {
    if (!(bytes instanceof Uint8Array)) throw rtsError('INVALID_INPUT', `input "text" element ${i} is not a byte string`);
    try {
      return utf8.decode(bytes);
    } catch {
      throw rtsError('INVALID_INPUT', `input "text" element ${i} is not valid UTF-8`);
    }
  });
}

async function load(ctx: ModelLoadContext): Promise<FaqMatcher> {
  const options = parseMatcherOptions(ctx.config.options, ctx.name);
  const [pipeline, faqs] = await Promise.all([loadPipeline(join(ctx.versionDir, 'pipeline.bin')), readFaqsJson(join(ctx.versionDir, 'faqs.json'))]);
  const model = new FaqMatcher(ctx.name, ctx.version, pipeline, faqs, options.topK, ctx.observer);
  // Warm up: the first scoring call compiles the hot paths.
  await model.match([faqs[0]!.question || 'warm-up'], { topK: 1 });
  ctx.logger.info({ faqs: model.faqCount, features: pipeline.nFeatures }, 'faq matcher loaded');
  return model;
}

/** Train version 1 from the dataset named in the config (or the model's own name). */
async function build(ctx: ModelBuildContext): Promise<void> {
  const options = parseMatcherOptions(ctx.config.options, ctx.name);
  const dataset = options.dataset ?? (isDatasetName(ctx.name) ? ctx.name : undefined);
  if (!dataset) {
    throw rtsError('MODEL_LOAD_FAILED', `model "${ctx.name}" has no version and no options.dataset to train one from (${DATASET_CHOICES})`);
  }
  // Imported lazily: serving a trained model never needs the training code.
  const { runTrain } = await import('./training/train.js');
  await runTrain({
    dataset,
    modelsDir: dirname(ctx.modelDir),
    name: basename(ctx.modelDir),
    version: '1',
    preparedDir: false, // prepare in memory: serving writes nothing outside the model repository
    // No validation fit: it would only repeat the model-selection figures (docs/faq-models.md;
    // `rtscore train` reports them) while doubling the CPU a first start needs.
    validate: false,
    // The recipe was chosen on validation: the served model learns from every labelled
    // question (on BANKING77's unshipped held-out set: 92.34 → 92.56 % at rank 1).
    fitOn: 'all',
    print: (line) => ctx.logger.info(line),
  });
}

export const faqMatcherKind: ModelKind = { kind: FAQ_MATCHER_KIND, load, build };
