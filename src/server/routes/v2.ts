import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rtsError } from '../../core/errors.js';
import { quote } from '../../core/quote.js';
import { timed } from '../../core/timings.js';
import type { ServerContext } from '../context.js';
import { HEADER_LENGTH_HEADER } from '../oip/binary.js';
import { asBytes, parseInferBody, parseJson } from '../oip/body.js';
import { runInference } from '../oip/infer.js';
import { defaultOipLimits, type OipLimits } from '../oip/limits.js';
import { modelMetadata, serverMetadata } from '../oip/metadata.js';
import { parseParameters } from '../oip/request.js';
import { checkTensorRequest, oipLimitsFor } from '../params.js';
import { useOipErrors } from '../plugins/errors.js';
import { withInference, withLease } from './common.js';
import { registerOipHealthRoutes } from './health.js';
import { registerOipStatsRoutes } from './v2-stats.js';

interface ModelParams {
  name: string;
  version?: string;
}

const TAGS = ['v2'];
const REPOSITORY_TAGS = ['repository'];

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' } },
  description: 'Failure: 400 bad request (says what was expected), 404 unknown model or version, 503 not ready (with Retry-After).',
} as const;
const errors = { '4xx': errorSchema, '5xx': errorSchema };

const tensorMetadataSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' }, description: '-1 = variable dimension' },
  },
} as const;

const modelParams = {
  type: 'object',
  properties: { name: { type: 'string', description: 'Model name' } },
  required: ['name'],
} as const;
const versionParams = {
  type: 'object',
  properties: { name: { type: 'string', description: 'Model name' }, version: { type: 'string', description: 'Model version' } },
  required: ['name', 'version'],
} as const;

const inferRequestSchema = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', description: 'Echoed in the response.' },
    parameters: { type: 'object', additionalProperties: true, description: '`binary_data_output: true` returns every output as binary data.' },
    inputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype'],
        properties: {
          name: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer' } },
          datatype: {
            type: 'string',
            enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BF16', 'BYTES'],
          },
          parameters: {
            type: 'object',
            additionalProperties: true,
            description: '`content_type`: "str" (default) or "base64" for BYTES; `binary_data_size` for binary data after the JSON.',
          },
          data: { type: 'array', description: 'Row-major elements, flat or nested to the shape.', items: {} },
        },
      },
    },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          parameters: {
            type: 'object',
            additionalProperties: true,
            description: '`classification: k` for the top k classes; `binary_data: true` for binary data.',
          },
        },
      },
    },
  },
  example: { id: '42', inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['How do I reset my password?'] }] },
} as const;

const inferResponseSchema = {
  type: 'object',
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ...tensorMetadataSchema.properties, parameters: { type: 'object', additionalProperties: true }, data: { type: 'array', items: {} } },
      },
    },
  },
  description:
    'JSON; or, when an output is binary, `application/octet-stream` made of `Inference-Header-Content-Length` bytes of JSON followed by the binary outputs.',
} as const;

/**
 * Open Inference Protocol (KServe V2) REST routes, with the binary tensor
 * data, classification and model repository extensions, and the OIP health
 * routes (/v2/health/*, defined with the other health routes).
 *
 * The routes sit in an encapsulated plugin that takes every request body as
 * raw bytes, whatever its Content-Type: an inference body may be JSON, JSON
 * followed by binary tensors (sent as application/json by some clients,
 * application/octet-stream by others), or a raw image. The protocol module
 * (../oip/) parses and checks it, with messages that say what was expected;
 * route schemas document the API (OpenAPI at /docs) but do not validate.
 * The scope has its own error and not-found handlers: errors thrown here, and
 * unknown URLs under /v2, become `{"error": "<message>"}` (../plugins/errors.ts).
 */
export function registerV2Routes(app: FastifyInstance, ctx: ServerContext, limits: OipLimits = defaultOipLimits): void {
  void app.register(async (v2) => {
    await useOipErrors(v2, '/v2');
    registerOipHealthRoutes(v2, ctx);
    registerOipStatsRoutes(v2, ctx);
    v2.removeAllContentTypeParsers();
    v2.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.bodyLimitBytes }, (_req, body, done) => done(null, body));
    // The protocol module validates; schemas are documentation only.
    v2.setValidatorCompiler(() => () => true);
    v2.setSerializerCompiler(() => (data) => JSON.stringify(data));

    v2.get(
      '/v2',
      {
        schema: {
          tags: TAGS,
          summary: 'Server metadata: name, version, extensions',
          response: {
            200: {
              type: 'object',
              properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } },
            },
            ...errors,
          },
        },
      },
      async () => serverMetadata(ctx.version),
    );

    v2.get(
      '/v2/models',
      {
        schema: {
          tags: TAGS,
          summary: 'Names of the models in the registry (KServe convenience, not in the protocol)',
          response: {
            200: { type: 'object', properties: { models: { type: 'array', items: { type: 'string' } } } },
            ...errors,
          },
        },
      },
      async () => ({ models: ctx.registry.names() }),
    );

    const metadataSchema = {
      200: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          versions: { type: 'array', items: { type: 'string' } },
          platform: { type: 'string' },
          inputs: { type: 'array', items: tensorMetadataSchema },
          outputs: { type: 'array', items: tensorMetadataSchema },
          properties: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      ...errors,
    };
    const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
      const { name, version } = request.params;
      return withLease(ctx, request, name, version, (model) => modelMetadata(model.metadata, ctx.registry.versions(name)));
    };
    v2.get('/v2/models/:name', { schema: { tags: TAGS, summary: 'Model metadata (latest version)', params: modelParams, response: metadataSchema } }, metadata);
    v2.get(
      '/v2/models/:name/versions/:version',
      { schema: { tags: TAGS, summary: 'Model metadata of one version', params: versionParams, response: metadataSchema } },
      metadata,
    );

    const readySchema = {
      200: { type: 'object', properties: { name: { type: 'string' }, ready: { type: 'boolean' } } },
      ...errors,
    };
    const ready = async (request: FastifyRequest<{ Params: ModelParams }>) => {
      const { name, version } = request.params;
      return withLease(ctx, request, name, version, () => ({ name, ready: true }));
    };
    // Per-model readiness names models, so it needs a key like the rest of /v2/models (server health stays open).
    v2.get('/v2/models/:name/ready', { schema: { tags: TAGS, summary: 'Model ready (200) or not (503)', params: modelParams, response: readySchema } }, ready);
    v2.get(
      '/v2/models/:name/versions/:version/ready',
      { schema: { tags: TAGS, summary: 'Model version ready (200) or not (503)', params: versionParams, response: readySchema } },
      ready,
    );

    const inferBody = {
      content: {
        'application/json': { schema: inferRequestSchema },
        'application/octet-stream': {
          schema: {
            type: 'string',
            format: 'binary',
            description:
              "Binary tensor extension: `Inference-Header-Content-Length` bytes of JSON, then the inputs' binary data; or, with `Inference-Header-Content-Length: 0`, the raw bytes of the single input (e.g. an encoded image).",
          },
        },
      },
    };
    const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
      const { name, version } = request.params;
      return withInference(ctx, request, name, version, async (model) => {
        const parsed = await timed(request.timings, 'decode', () =>
          parseInferBody(request.body, request.headers, model.metadata, oipLimitsFor(model, limits, ctx.config)),
        );
        checkTensorRequest(model, parsed.inputs, ctx.config);
        const encoded = await runInference(model, parsed, request.abortSignal, request.timings);
        if (encoded.headerLength !== undefined) {
          reply.header('Inference-Header-Content-Length', String(encoded.headerLength)).type('application/octet-stream');
        } else {
          reply.type('application/json; charset=utf-8');
        }
        return reply.send(encoded.body);
      });
    };
    const inferHeaders = {
      type: 'object',
      properties: { [HEADER_LENGTH_HEADER]: { type: 'integer', description: 'Binary tensor extension: length of the JSON part (0 = raw binary input).' } },
    };
    v2.post(
      '/v2/models/:name/infer',
      {
        schema: {
          tags: TAGS,
          summary: 'Inference (latest version)',
          params: modelParams,
          headers: inferHeaders,
          body: inferBody,
          response: { 200: inferResponseSchema, ...errors },
        },
      },
      infer,
    );
    v2.post(
      '/v2/models/:name/versions/:version/infer',
      {
        schema: {
          tags: TAGS,
          summary: 'Inference with one version',
          params: versionParams,
          headers: inferHeaders,
          body: inferBody,
          response: { 200: inferResponseSchema, ...errors },
        },
      },
      infer,
    );

    // Model repository extension (admin keys only when keys are configured).
    const admin = { access: 'admin' as const };
    v2.post(
      '/v2/repository/index',
      {
        config: admin,
        schema: {
          tags: REPOSITORY_TAGS,
          summary: 'Models in the repository and their state',
          body: {
            content: {
              'application/json': {
                schema: { type: 'object', properties: { ready: { type: 'boolean', description: 'true: only models ready for inference' } } },
              },
            },
          },
          response: {
            200: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: { type: 'string' }, version: { type: 'string' }, state: { type: 'string' }, reason: { type: 'string' } },
              },
            },
            ...errors,
          },
        },
      },
      async (request) => {
        const body = optionalObject(request.body, 'the repository index request');
        const onlyReady = body?.ready;
        if (onlyReady !== undefined && typeof onlyReady !== 'boolean')
          throw rtsError('INVALID_INPUT', `"ready" must be true or false, got ${quote(onlyReady)}`);
        const rows = await ctx.registry.index();
        return onlyReady ? rows.filter((r) => r.state === 'READY') : rows;
      },
    );

    const controlBody = {
      content: { 'application/json': { schema: { type: 'object', properties: { parameters: { type: 'object', additionalProperties: true } } } } },
    };
    v2.post(
      '/v2/repository/models/:name/load',
      {
        config: admin,
        schema: {
          tags: REPOSITORY_TAGS,
          summary: 'Load or reload a model from its folder (new versions and config swap in without dropping requests)',
          params: modelParams,
          body: controlBody,
          response: { 200: { type: 'object', properties: { name: { type: 'string' }, load: { type: 'boolean' } } }, ...errors },
        },
      },
      async (request: FastifyRequest<{ Params: ModelParams }>) => {
        const { name } = request.params;
        request.rtsModel = name;
        const parameters = controlParameters(request.body, 'load');
        for (const key of Object.keys(parameters)) {
          if (key === 'config' || key.startsWith('file:')) {
            throw rtsError('INVALID_INPUT', `load parameter "${key}" is not supported: rtscore loads models from their folder in the repository`);
          }
        }
        if (!(await ctx.registry.discover()).includes(name)) {
          throw rtsError('MODEL_NOT_FOUND', `no model "${name}" in the repository (no ${name}/config.json under ${ctx.registry.root})`);
        }
        await ctx.registry.load(name);
        return { name, load: true };
      },
    );

    v2.post(
      '/v2/repository/models/:name/unload',
      {
        config: admin,
        schema: {
          tags: REPOSITORY_TAGS,
          summary: 'Stop serving a model (in-flight requests finish first)',
          params: modelParams,
          body: controlBody,
          response: { 200: { type: 'object', properties: { name: { type: 'string' }, unload: { type: 'boolean' } } }, ...errors },
        },
      },
      async (request: FastifyRequest<{ Params: ModelParams }>) => {
        const { name } = request.params;
        request.rtsModel = name;
        controlParameters(request.body, 'unload');
        if (ctx.registry.names().includes(name)) await ctx.registry.unload(name);
        else if (!(await ctx.registry.discover()).includes(name)) {
          throw rtsError('MODEL_NOT_FOUND', `no model "${name}" in the repository`);
        }
        return { name, unload: true };
      },
    );
  });
}

function optionalObject(body: unknown, what: string): Record<string, unknown> | undefined {
  const value = parseJson(asBytes(body), what, { optional: true });
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw rtsError('INVALID_INPUT', `${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** The optional `{"parameters": {...}}` of a load or unload request. */
function controlParameters(body: unknown, what: string): Record<string, string | number | boolean> {
  const object = optionalObject(body, `the ${what} request`);
  return parseParameters(object?.parameters, 'parameters');
}
