import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isRowPredictor } from '../../core/capabilities.js';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { instancesToTensors } from '../kserve/instances.js';
import { defaultOipLimits, type OipLimits } from '../oip/limits.js';
import { useOipErrors } from '../plugins/errors.js';
import { withInference, withLease } from './common.js';

/**
 * KServe's V1 protocol (TensorFlow Serving's REST shape), which KServe's
 * scikit-learn, XGBoost and LightGBM servers and their clients speak:
 *
 *   GET  /v1/models                 {"models": ["<name>", …]}
 *   GET  /v1/models/{name}          {"name": "<name>", "ready": true}   (503 while not ready)
 *   POST /v1/models/{name}:predict  {"instances": [[…], …]} → {"predictions": [...]}
 *
 * `predictions` holds the predicted labels (scikit-learn's `predict`), or,
 * with `?probabilities=true` (or the model's `predict.returns` option), the
 * class probabilities (`predict_proba`). Errors are `{"error": "<message>"}`.
 * Models answer through the RowPredictor capability (core/capabilities.ts).
 */
interface NameParams {
  name: string;
}
interface PredictQuery {
  probabilities?: string;
}

const TAGS = ['kserve-v1'];
const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const errors = { '4xx': errorSchema, '5xx': errorSchema };
const nameParams = { type: 'object', properties: { name: { type: 'string', description: 'Model name' } }, required: ['name'] } as const;

export function registerKserveV1Routes(app: FastifyInstance, ctx: ServerContext, limits: OipLimits = defaultOipLimits): void {
  void app.register(async (v1) => {
    // Only /v1/models/… is KServe's; the rest of /v1 is rtscore's own API (its error shape).
    await useOipErrors(v1, '/v1/models');
    // Predictions are any JSON (labels, numbers, nested rows): no response schema compilation.
    v1.setSerializerCompiler(() => (data) => JSON.stringify(data));
    v1.get(
      '/v1/models',
      {
        schema: {
          tags: TAGS,
          summary: 'Names of the served models',
          response: {
            200: { type: 'object', properties: { models: { type: 'array', items: { type: 'string' } } } },
            ...errors,
          },
        },
      },
      async () => ({ models: ctx.registry.names() }),
    );

    v1.get<{ Params: NameParams }>(
      '/v1/models/:name',
      {
        // Per-model readiness needs a key, as /v2/models/{name}/ready does (it names the served models).
        schema: {
          tags: TAGS,
          summary: 'Model ready (200) or not (503)',
          params: nameParams,
          response: {
            200: { type: 'object', properties: { name: { type: 'string' }, ready: { type: 'boolean' } } },
            ...errors,
          },
        },
      },
      async (request) => withLease(ctx, request, request.params.name, undefined, () => ({ name: request.params.name, ready: true })),
    );

    // `::` is fastify's escaped literal colon, and the name's pattern stops at it:
    // the path is /v1/models/<name>:predict (a bare `:name::predict` would swallow the verb).
    v1.post<{ Params: NameParams; Querystring: PredictQuery; Body: unknown }>(
      '/v1/models/:name(^[^:/]+)::predict',
      {
        schema: {
          tags: TAGS,
          summary: 'Predict: one prediction per instance (labels, or probabilities with ?probabilities=true)',
          params: nameParams,
          querystring: {
            type: 'object',
            properties: {
              probabilities: { type: 'string', enum: ['true', 'false'], description: 'true: class probabilities (predict_proba) instead of labels' },
            },
          },
          body: {
            type: 'object',
            description:
              '{"instances": [row, …]} — a row is a list of features, a string for a text model, or an object by input name; or {"inputs": …} (rows, or columns by input name).',
            // Checked once, with messages naming the model's inputs, by instancesToTensors.
            properties: { instances: { description: 'One entry per row' }, inputs: { description: 'Rows, or {"<input>": rows}' } },
          },
          response: { 200: { type: 'object', properties: { predictions: { type: 'array', items: {} } } }, ...errors },
        },
      },
      async (request) => predict(ctx, request, limits),
    );
  });
}

async function predict(ctx: ServerContext, request: FastifyRequest<{ Params: NameParams; Querystring: PredictQuery; Body: unknown }>, limits: OipLimits) {
  const { name } = request.params;
  const query = request.query.probabilities;
  return withInference(ctx, request, name, undefined, async (model) => {
    if (!isRowPredictor(model)) {
      throw rtsError('INVALID_INPUT', `model "${name}" is a ${model.kind} model, which has no V1 predict API; use /v2/models/${name}/infer`);
    }
    const inputs = instancesToTensors(request.body, model.metadata.inputs, limits);
    const predictions = await model.predict(inputs, {
      ...(query === undefined ? {} : { probabilities: query === 'true' }),
      signal: request.abortSignal,
    });
    return { predictions };
  });
}
