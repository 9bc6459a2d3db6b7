import { rtsError } from '../../core/errors.js';
import type { ModelMetadata } from '../../core/model.js';
import { parseJsonText } from '../json.js';
import { HEADER_LENGTH_HEADER, parseHeaderLength, splitBody } from './binary.js';
import type { OipLimits } from './limits.js';
import { type InferRequest, parseInferRequest, parseRawRequest } from './request.js';

/**
 * The body of an inference request, as the raw bytes the /v2 routes receive
 * (whatever the Content-Type), → a parsed request. Three framings:
 *   - no `Inference-Header-Content-Length`: the whole body is JSON;
 *   - `Inference-Header-Content-Length: n > 0`: n bytes of JSON, then the
 *     binary data of the inputs that have `parameters.binary_data_size`;
 *   - `Inference-Header-Content-Length: 0`, or no header with an `image/*`
 *     Content-Type: raw binary mode (see `parseRawRequest`).
 */
export function parseInferBody(
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
  metadata: ModelMetadata,
  limits: OipLimits,
): InferRequest {
  const bytes = asBytes(body);
  const headerLength = parseHeaderLength(headers[HEADER_LENGTH_HEADER], bytes.length);
  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  if (headerLength === 0 || (headerLength === undefined && contentType.startsWith('image/'))) {
    if (bytes.length === 0) throw rtsError('INVALID_INPUT', 'a raw binary request needs a non-empty body');
    return parseRawRequest(bytes, metadata, limits);
  }
  if (headerLength === undefined) return parseInferRequest(parseJson(bytes, 'the inference request'), undefined, metadata, limits);
  const { header, binary } = splitBody(bytes, headerLength);
  return parseInferRequest(parseJson(header, 'the inference request header'), binary, metadata, limits);
}

/** A JSON body (or JSON part of one) → a value; empty → undefined when `optional`. */
export function parseJson(bytes: Uint8Array, what: string, options: { optional?: boolean } = {}): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.trim() === '') {
    if (options.optional) return undefined;
    throw rtsError('INVALID_JSON', `${what} is empty; a JSON object is required`);
  }
  return parseJsonText(text, what);
}

/** The body as bytes: the /v2 content-type parser hands every body over as a Buffer. */
export function asBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  throw rtsError('INVALID_INPUT', 'unexpected request body');
}
