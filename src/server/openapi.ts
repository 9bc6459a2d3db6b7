import type { RouteOptions } from 'fastify';
import type { RouteAccess } from './context.js';

/**
 * What the OpenAPI document adds to the route schemas (the @fastify/swagger
 * `transform`, so validation is untouched): an `operationId` per operation,
 * the error answers each route can really give, and examples that run as they
 * are in the Swagger UI against the shipped models (`faq`, `resnet152`). One
 * table for the ids and examples; the errors follow from what each route is.
 */
// biome-ignore lint/suspicious/noExplicitAny: OpenAPI schema fragments are free-form JSON edited in place.
type Schema = Record<string, any>;

interface Operation {
  id: string;
  /** Example values of the path parameters. */
  params?: Record<string, string>;
  /** Example request body (first content type: the one Swagger UI sends). */
  body?: unknown;
}

/** A 16×16 JPEG, base64: a real image that every image route accepts. */
export const EXAMPLE_JPEG_BASE64 =
  '/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAP/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAABf/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AKABiz//2Q==';

const QUESTION = 'How do I change my PIN?';
const MODEL = { name: 'faq' };
const VERSION = { name: 'faq', version: '1' };
const TEXT_INFER = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [QUESTION] }] };

const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': { id: 'getLiveness' },
  'GET /readyz': { id: 'getReadiness' },
  'GET /version': { id: 'getVersion' },
  'GET /metrics': { id: 'getMetrics' },
  'POST /v1/faq/match': { id: 'matchFaqs', body: { question: QUESTION, topK: 3 } },
  'POST /v1/images/classify': { id: 'classifyImages', body: { image: EXAMPLE_JPEG_BASE64, topK: 3 } },
  'POST /score': { id: 'score', body: { input: QUESTION } },
  'POST /models/:name/score': { id: 'scoreWithModel', params: MODEL, body: { input: QUESTION } },
  'GET /v2/health/live': { id: 'oipServerLive' },
  'GET /v2/health/ready': { id: 'oipServerReady' },
  'GET /v2': { id: 'oipServerMetadata' },
  'GET /v2/models': { id: 'oipListModels' },
  'GET /v2/models/:name': { id: 'oipModelMetadata', params: MODEL },
  'GET /v2/models/:name/versions/:version': { id: 'oipModelVersionMetadata', params: VERSION },
  'GET /v2/models/:name/ready': { id: 'oipModelReady', params: MODEL },
  'GET /v2/models/:name/versions/:version/ready': { id: 'oipModelVersionReady', params: VERSION },
  'POST /v2/models/:name/infer': { id: 'oipInfer', params: MODEL, body: TEXT_INFER },
  'POST /v2/models/:name/versions/:version/infer': { id: 'oipInferVersion', params: VERSION, body: TEXT_INFER },
  'GET /v2/models/stats': { id: 'oipStatistics' },
  'GET /v2/models/:name/stats': { id: 'oipModelStatistics', params: MODEL },
  'GET /v2/models/:name/versions/:version/stats': { id: 'oipModelVersionStatistics', params: VERSION },
  'GET /v2/models/:name/config': { id: 'oipModelConfig', params: MODEL },
  'GET /v2/models/:name/versions/:version/config': { id: 'oipModelVersionConfig', params: VERSION },
  'POST /v2/repository/index': { id: 'oipRepositoryIndex', body: { ready: true } },
  'POST /v2/repository/models/:name/load': { id: 'oipRepositoryLoad', params: MODEL, body: {} },
  'POST /v2/repository/models/:name/unload': { id: 'oipRepositoryUnload', params: MODEL, body: {} },
  'GET /v1/models': { id: 'v1ListModels' },
  // KServe V1 serves models brought as ONNX (kind onnx), e.g. `rtscore add-model iris model.onnx`: none ships.
  'GET /v1/models/:name': { id: 'v1ModelReady', params: { name: 'iris' } },
  'POST /v1/models/:name(^[^:/]+)::predict': { id: 'v1Predict', params: { name: 'iris' }, body: { instances: [[5.1, 3.5, 1.4, 0.2]] } },
};

const API_ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'e.g. RTS_ERR_INVALID_INPUT' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
};
const OIP_ERROR = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } };

const MODEL_ROUTES = /^\/(v1\/|score$|models\/|v2\/models\/:name)/;

/** The error answers a route can give, by status, with what causes them. */
export function routeErrors(method: string, url: string, access: RouteAccess): Record<number, string> {
  const errors: Record<number, string> = {};
  const post = method === 'POST';
  if (post) {
    errors[400] = 'Invalid request: the message says what is wrong and what is allowed';
    errors[413] = 'Body, question or image count over a configured limit';
    errors[415] = 'Content-Type or Content-Encoding not accepted';
  }
  errors[401] =
    access === 'key' || access === 'admin'
      ? 'API keys are configured and the request has none, or an unknown one'
      : 'API keys are configured and this route is not left open (authOpen* options)';
  if (access === 'admin') errors[403] = 'The key is not an admin key';
  if (access === 'key' || access === 'admin') errors[429] = 'Rate limit exceeded (when one is configured); see Retry-After';
  if (MODEL_ROUTES.test(url) || url.startsWith('/v2/repository/models/')) {
    errors[404] = 'No such model or version';
  }
  if (MODEL_ROUTES.test(url) && post) errors[500] = 'The model failed while running';
  if (url.endsWith('/load')) errors[500] = 'The model could not be loaded (the message says why)';
  if (MODEL_ROUTES.test(url) || /ready/.test(url)) {
    errors[503] = "Not ready: models loading, the model's queue full, or the server draining; see Retry-After";
  }
  return errors;
}

/** `GET /v2/models/:name/ready` → `getV2ModelsNameReady`, for a route the table does not name. */
function generatedId(method: string, url: string): string {
  const words = url
    .split(/[/:{}._-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return method.toLowerCase() + words.join('');
}

/** The @fastify/swagger `transform`: returns a documented copy; the route's own schema is not changed. */
export function documentRoute({ schema, url, route }: { schema?: Schema; url: string; route: RouteOptions }): { schema: Schema; url: string } {
  const method = (Array.isArray(route.method) ? route.method[0] : route.method) ?? 'GET';
  const doc: Schema = { ...(schema ?? {}) };
  if (doc.hide) return { schema: doc, url };
  const op = OPERATIONS[`${method} ${url}`];
  doc.operationId ??= op?.id ?? generatedId(method, url);

  // OIP and KServe V1 answer {"error": "<message>"}; the rest of the API {"error": {code, message}}.
  const shape = url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v1/models') ? OIP_ERROR : API_ERROR;
  const access = (route.config as { access?: RouteAccess } | undefined)?.access ?? 'key';
  const response: Schema = { ...(doc.response ?? {}) };
  if (url === '/metrics') response[200] ??= { description: 'Prometheus text exposition', content: { 'text/plain': { schema: { type: 'string' } } } };
  if (!Object.keys(response).some((status) => status.startsWith('2'))) response[200] = { description: 'OK', type: 'object', additionalProperties: true };
  for (const [status, description] of Object.entries(routeErrors(method, url, access))) {
    response[status] ??= { description, ...shape };
  }
  doc.response = response;

  if (op?.params && doc.params?.properties) {
    const properties: Schema = { ...doc.params.properties };
    for (const [name, value] of Object.entries(op.params)) properties[name] = { ...properties[name], examples: [value] };
    doc.params = { ...doc.params, properties };
  }
  if (op?.body !== undefined) doc.body = documentedBody(url, doc.body, op.body);
  return { schema: doc, url };
}

function documentedBody(url: string, body: Schema | undefined, example: unknown): Schema {
  if (url === '/v1/images/classify') {
    // The route reads its body itself (raw image, multipart or JSON): document all three, JSON first.
    return {
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              image: { type: 'string', format: 'byte', description: 'One image, base64.' },
              images: { type: 'array', items: { type: 'string', format: 'byte' }, description: 'Several images, base64.' },
              topK: {
                anyOf: [
                  { type: 'integer', minimum: 1 },
                  { type: 'string', enum: ['all'] },
                ],
              },
              model: { type: 'string' },
              version: { type: 'string' },
            },
            examples: [example],
          },
        },
        'image/jpeg': {
          schema: {
            type: 'string',
            format: 'binary',
            description: 'The image itself (also image/png, image/webp, image/gif, image/tiff, application/octet-stream).',
          },
        },
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { image: { type: 'string', format: 'binary', description: 'One or more image files (any field name).' } },
          },
        },
      },
    };
  }
  if (body?.content) {
    const [first, ...rest] = Object.entries<Schema>(body.content);
    if (!first) return body;
    const [type, media] = first;
    return { ...body, content: { [type]: { ...media, schema: { ...media.schema, examples: [example] } }, ...Object.fromEntries(rest) } };
  }
  return { ...(body ?? { type: 'object' }), examples: [example] };
}
