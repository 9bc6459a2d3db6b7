import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { tritonModelConfig } from '../oip/model-config.js';
import { withLease } from './common.js';

/**
 * The OIP statistics extension and Triton's model configuration route, so
 * tritonclient's `get_inference_statistics` and `get_model_config` work:
 *   GET /v2/models/stats, /v2/models/{name}/stats, /v2/models/{name}/versions/{v}/stats
 *   GET /v2/models/{name}/config, /v2/models/{name}/versions/{v}/config
 * The figures come from the registry's statistics (core), fed by the models'
 * observer hooks and the inference routes.
 */
interface Params {
  name?: string;
  version?: string;
}

const TAGS = ['v2'];
const durationStat = { type: 'object', properties: { count: { type: 'integer' }, ns: { type: 'integer' } } } as const;
const statsSchema = {
  200: {
    type: 'object',
    description: "Cumulative statistics per model version since it was loaded (Triton's statistics extension).",
    properties: {
      model_stats: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            version: { type: 'string' },
            last_inference: { type: 'integer', description: 'ms since the epoch; 0 before the first inference' },
            inference_count: { type: 'integer' },
            execution_count: { type: 'integer' },
            inference_stats: { type: 'object', additionalProperties: durationStat },
            batch_stats: { type: 'array', items: { type: 'object', additionalProperties: true } },
          },
        },
      },
    },
  },
} as const;
const nameParam = { name: { type: 'string', description: 'Model name' } } as const;
const versionParam = { version: { type: 'string', description: 'Model version' } } as const;

export function registerOipStatsRoutes(v2: FastifyInstance, ctx: ServerContext): void {
  const stats = async (request: FastifyRequest<{ Params: Params }>) => {
    const { name, version } = request.params;
    let pairs: [string, string][];
    if (name === undefined) {
      pairs = ctx.registry.names().flatMap((n) => ctx.registry.versions(n).map((v): [string, string] => [n, v]));
    } else {
      const versions = ctx.registry.versions(name);
      if (versions.length === 0) {
        // Unknown, or known but not loaded: the registry's own message says which.
        await withLease(ctx, request, name, version, () => undefined);
        throw rtsError('MODEL_NOT_FOUND', `no model "${name}"`);
      }
      if (version !== undefined && !versions.includes(version)) {
        throw rtsError('VERSION_NOT_FOUND', `model "${name}" has no served version "${version}" (served: ${versions.join(', ')})`);
      }
      pairs = (version !== undefined ? [version] : versions).map((v): [string, string] => [name, v]);
    }
    return { model_stats: pairs.map(([n, v]) => ctx.registry.statistics.snapshot(n, v)) };
  };
  v2.get('/v2/models/stats', { schema: { tags: TAGS, summary: 'Inference statistics of every model version', response: statsSchema } }, stats);
  v2.get(
    '/v2/models/:name/stats',
    {
      schema: {
        tags: TAGS,
        summary: 'Inference statistics of every served version of a model',
        params: { type: 'object', properties: nameParam, required: ['name'] },
        response: statsSchema,
      },
    },
    stats,
  );
  v2.get(
    '/v2/models/:name/versions/:version/stats',
    {
      schema: {
        tags: TAGS,
        summary: 'Inference statistics of one model version',
        params: { type: 'object', properties: { ...nameParam, ...versionParam }, required: ['name', 'version'] },
        response: statsSchema,
      },
    },
    stats,
  );

  const config = async (request: FastifyRequest<{ Params: Params }>) => {
    const { name, version } = request.params;
    return withLease(ctx, request, name!, version, (model) => tritonModelConfig(model.metadata, ctx.registry.config(name!)));
  };
  const configSchema = {
    200: { type: 'object', additionalProperties: true, description: "The model configuration in Triton's JSON shape (model_config.proto) where it maps." },
  };
  v2.get(
    '/v2/models/:name/config',
    {
      schema: {
        tags: TAGS,
        summary: 'Model configuration (Triton shape)',
        params: { type: 'object', properties: nameParam, required: ['name'] },
        response: configSchema,
      },
    },
    config,
  );
  v2.get(
    '/v2/models/:name/versions/:version/config',
    {
      schema: {
        tags: TAGS,
        summary: 'Model configuration of one version (Triton shape)',
        params: { type: 'object', properties: { ...nameParam, ...versionParam }, required: ['name', 'version'] },
        response: configSchema,
      },
    },
    config,
  );
}
