import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, type ErrorKind, isRtsError, RtsError, rtsError } from '../core/errors.js';

/**
 * The one place where errors become HTTP answers. Everything thrown by the
 * core, the tasks or fastify itself ends here:
 *   task APIs: `{"error": {"code", "message"}}`
 *   Open Inference Protocol routes (/v2/…): `{"error": "<message>"}` as the protocol says
 *   (their plugin scope installs the `oip` shape, see plugins/errors.ts).
 * 5xx details are logged, not sent.
 */
const BY_STATUS: Record<number, ErrorKind> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  417: 'EXPECTATION_FAILED',
  429: 'RATE_LIMITED',
};

/** The request bodies the server reads (plugins/body-parsers.ts), for 415 answers. */
export const ACCEPTED_CONTENT_TYPES =
  'application/json, multipart/form-data, application/octet-stream, or an image (image/jpeg, image/png, image/webp, image/gif, image/tiff)';

/** Turn whatever was thrown into an RtsError with a client-safe message (`contentType`: the request's, for 415s). */
export function normaliseError(err: unknown, contentType?: string): RtsError {
  if (isRtsError(err)) return err;
  const fe = err as Partial<FastifyError> & { status?: number };
  const status = fe.statusCode ?? fe.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      return rtsError('INVALID_JSON', `the body is not valid JSON: ${fe.message ?? ''}`.trim());
    }
    if (fe.code === 'FST_CP_ERR_INVALID_CONTENT') {
      // @fastify/compress copies its code onto the zlib error, whose message says what was wrong.
      return rtsError('INVALID_INPUT', `the body could not be decoded as its Content-Encoding says: ${fe.message ?? ''}`.trim());
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const given = contentType ? `Content-Type "${contentType.split(';')[0]!.trim()}" is not accepted` : 'the request has no Content-Type';
      return rtsError('UNSUPPORTED_MEDIA_TYPE', `${given}; send ${ACCEPTED_CONTENT_TYPES}`);
    }
    if (status === 431) return rtsError('HEADERS_TOO_LARGE', 'request headers are too large');
    const kind = BY_STATUS[status] ?? 'INVALID_INPUT';
    const [code] = ErrorCodes[kind];
    return new RtsError(code, status, fe.message ?? 'bad request');
  }
  return rtsError('INTERNAL', 'internal error', { cause: err });
}

/** How an API family writes its errors. */
export type ErrorShape = 'api' | 'oip';

/**
 * Answer with the error in the caller's shape. Which shape is decided by the
 * fastify scope that handles the request (plugins/errors.ts), not by its URL.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown, shape: ErrorShape = 'api'): FastifyReply {
  const e = normaliseError(err, request.headers['content-type']);
  if (e.statusCode >= 500 && !['RTS_ERR_QUEUE_FULL', 'RTS_ERR_MODEL_NOT_READY', 'RTS_ERR_SHUTTING_DOWN'].includes(e.code)) {
    request.log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack, code: e.code } : String(err) }, 'request failed');
  }
  if (e.retryAfterSeconds !== undefined) reply.header('Retry-After', String(Math.ceil(e.retryAfterSeconds)));
  if (e.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="rtscore"');
  const message = e.statusCode >= 500 && e.code === 'RTS_ERR_INTERNAL' ? 'internal error' : e.message;
  reply.code(e.statusCode).type('application/json; charset=utf-8');
  if (shape === 'oip') return reply.send({ error: message });
  return reply.send({ error: { code: e.code, message, ...(e.details ? { details: e.details } : {}) } });
}
