import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isImageClassifier, isRowPredictor, isTextMatcher } from '../../core/capabilities.js';
import { rtsError } from '../../core/errors.js';
import { clip } from '../../core/quote.js';
import { timed } from '../../core/timings.js';
import { decodeBase64Image } from '../base64.js';
import type { ServerContext } from '../context.js';
import { instancesToTensors } from '../kserve/instances.js';
import { defaultOipLimits } from '../oip/limits.js';
import { checkImageCount, checkQuestion, parseTopK } from '../params.js';
import { defaultModelName, withInference } from './common.js';

const REFERENCE_IMAGE_TOP_K = 3;

const scoreSchema = {
  tags: ['reference'],
  summary: 'Reference-compatible scoring',
  body: {
    type: 'object',
    required: ['input'],
    properties: {
      input: {
        anyOf: [
          { type: 'string' },
          { type: 'object', additionalProperties: { type: 'string' } },
          { type: 'array', description: 'Rows, for a model served by row (kind onnx)' },
        ],
      },
    },
  },
} as const;

/**
 * The reference implementation's API, so its clients work unchanged:
 *   POST /score  {"input": "<question>"}        → {"result": [[[Id, AnswerId, prob], …], "Computed in X ms"]}
 *   POST /score  {"input": {"<key>": "<b64>"}}   → {"result": [{"<key>": [["n… label", prob], …top 3]}, "Computed in X ms"]}
 * A string input goes to the FAQ model, an object of images to the image
 * model; /models/{name}/score addresses a model explicitly. A row predictor
 * (a model a user brought as ONNX) takes rows, as its `:predict` does:
 *   POST /models/{name}/score {"input": [[5.1, 3.5, 1.4, 0.2], …]} → {"result": [[label, …], "Computed in X ms"]}
 */
export function registerScoreRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { input: unknown } }>('/score', { schema: scoreSchema }, async (request) => {
    const input = request.body.input;
    const name = typeof input === 'string' ? defaultModelName(ctx, 'faq') : defaultModelName(ctx, 'resnet152');
    return score(ctx, request, name, input);
  });
  app.post<{ Body: { input: unknown }; Params: { name: string } }>(
    '/models/:name/score',
    {
      schema: {
        ...scoreSchema,
        summary: 'Reference-compatible scoring with a named model',
        params: { type: 'object', properties: { name: { type: 'string' } } },
      },
    },
    async (request) => score(ctx, request, request.params.name, request.body.input),
  );
}

async function score(ctx: ServerContext, request: FastifyRequest, name: string, input: unknown) {
  const started = performance.now();
  return withInference(ctx, request, name, undefined, async (model) => {
    if (isTextMatcher(model)) {
      const question = checkQuestion(input, 'input', ctx.config.maxQuestionChars);
      // The reference answers with every FAQ.
      const [ranking] = await model.match([question], {
        topK: parseTopK('all', model.defaultTopK, model.faqCount, ctx.config.maxTopK),
        signal: request.abortSignal,
        timings: request.timings,
      });
      return { result: [ranking!.map((r) => [r.id, r.answerId, r.score]), computedIn(started)] };
    }
    if (isImageClassifier(model)) {
      const entries = imageEntries(input);
      checkImageCount(entries.length, ctx.config, model);
      const images = await timed(request.timings, 'decode', () => entries.map(([key, v]) => decodeBase64Image(v, `input.${clip(key)}`)));
      const topK = parseTopK(REFERENCE_IMAGE_TOP_K, model.defaultTopK, model.classCount, ctx.config.maxTopK);
      const predictions = await model.classify(images, { topK, signal: request.abortSignal, timings: request.timings });
      const out: Record<string, [string, number][]> = {};
      entries.forEach(([key], i) => {
        out[key] = predictions[i]!.map((p) => [p.wnid ? `${p.wnid} ${p.label}` : p.label, p.probability]);
      });
      return { result: [out, computedIn(started)] };
    }
    if (isRowPredictor(model)) {
      const inputs = instancesToTensors({ instances: input }, model.metadata.inputs, defaultOipLimits);
      const predictions = await model.predict(inputs, { signal: request.abortSignal });
      return { result: [predictions, computedIn(started)] };
    }
    throw rtsError('INVALID_INPUT', `model "${name}" (${model.kind}) has no reference scoring API`);
  });
}

function imageEntries(input: unknown): [string, string][] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw rtsError('INVALID_INPUT', 'for an image model, "input" must be an object of base64 images, e.g. {"image": "<base64>"}');
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length === 0) throw rtsError('INVALID_INPUT', '"input" holds no image');
  return entries.map(([key, v]) => {
    if (typeof v !== 'string') throw rtsError('INVALID_INPUT', `input.${clip(key)} must be a base64 string`);
    return [key, v];
  });
}

function computedIn(started: number): string {
  return `Computed in ${(performance.now() - started).toFixed(2)} ms`;
}
