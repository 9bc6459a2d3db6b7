import { allocate, FP16_MAX, INTEGER_RANGES, numberToHalf } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import { quote } from '../../core/quote.js';
import type { Datatype, NumericArray, TensorData } from '../../core/tensor.js';
import { formatShape } from './shape.js';

/**
 * The `data` of a JSON request input → the core's tensor data.
 *
 * `data` is row-major, flat or nested to the shape (any nesting up to the
 * shape's rank is accepted, as Triton does). Its elements are counted, and
 * the count checked against the shape, before anything is allocated.
 * Elements are checked per datatype, never silently converted:
 *   BOOL            true/false (or 0/1)
 *   (U)INT8…32      integers within the type's range
 *   (U)INT64        integers within range, or decimal strings for exact values
 *                   above 2^53 (JSON numbers lose precision there)
 *   FP32, FP64      numbers (FP32 within its finite range)
 *   BYTES           strings: UTF-8 text, or base64 when the input's
 *                   `parameters.content_type` is "base64"
 *   FP16            numbers within ±65504, rounded to the nearest half (as
 *                   numpy's float16 does: KServe and MLServer accept them)
 *   BF16            refused: no ONNX Runtime model takes it; use binary data
 */
export interface JsonDataOptions {
  datatype: Datatype;
  shape: readonly number[];
  /** Product of `shape` (already within the element limit). */
  count: number;
  /** Names the input in messages, e.g. `input "text"`. */
  where: string;
  /** For BYTES: how strings are turned into bytes ("str" = UTF-8, "base64"). Default "str". */
  contentType?: string;
}

type Leaf = number | string | boolean | null;

const FP32_MAX = 3.4028234663852886e38;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DECIMAL = /^-?[0-9]{1,20}$/;

export function tensorDataFromJson(data: unknown, options: JsonDataOptions): TensorData {
  const { datatype, shape, count, where } = options;
  if (datatype === 'BF16') {
    throw rtsError(
      'INVALID_INPUT',
      `${where}: ${datatype} data cannot be sent as JSON; use the binary data format (binary_data_size and Inference-Header-Content-Length)`,
    );
  }
  if (!Array.isArray(data)) {
    throw rtsError(
      'INVALID_INPUT',
      `${where}: "data" must be an array of ${count} element${count === 1 ? '' : 's'} (flat or nested to shape ${formatShape(shape)})`,
    );
  }
  const maxDepth = Math.max(1, shape.length);
  const found = countLeaves(data, maxDepth, count, where, shape);
  if (found !== count) {
    throw rtsError('INVALID_INPUT', `${where}: shape ${formatShape(shape)} needs ${count} element${count === 1 ? '' : 's'}, but "data" holds ${found}`);
  }
  const leaves = new Array<Leaf>(count);
  collectLeaves(data, leaves, 0);
  if (datatype === 'BYTES') return bytesElements(leaves, where, options.contentType ?? 'str');
  const out = allocate(datatype, count);
  fillNumeric(out, datatype, leaves, where);
  return out;
}

/**
 * Count the leaves of nested arrays, refusing nesting deeper than the shape's
 * rank and stopping as soon as the count passes what the shape allows.
 * Recursion is bounded by `maxDepth` (≤ the rank limit), checked before descending.
 */
function countLeaves(node: unknown[], maxDepth: number, limit: number, where: string, shape: readonly number[]): number {
  let total = 0;
  const visit = (array: unknown[], depth: number): void => {
    for (const item of array) {
      if (Array.isArray(item)) {
        if (depth + 1 > maxDepth) {
          throw rtsError(
            'INVALID_INPUT',
            `${where}: "data" is nested deeper than shape ${formatShape(shape)} allows (at most ${maxDepth} level${maxDepth === 1 ? '' : 's'} of arrays)`,
          );
        }
        visit(item, depth + 1);
      } else {
        if (item !== null && typeof item === 'object') {
          throw rtsError('INVALID_INPUT', `${where}: "data" elements must be numbers, strings or booleans, not objects`);
        }
        total++;
      }
      if (total > limit) {
        throw rtsError('INVALID_INPUT', `${where}: shape ${formatShape(shape)} needs ${limit} element${limit === 1 ? '' : 's'}, but "data" holds more`);
      }
    }
  };
  visit(node, 1);
  return total;
}

function collectLeaves(node: unknown[], out: Leaf[], at: number): number {
  for (const item of node) {
    if (Array.isArray(item)) at = collectLeaves(item, out, at);
    else out[at++] = item as Leaf;
  }
  return at;
}

function elementError(where: string, index: number, expected: string, got: Leaf): never {
  throw rtsError('INVALID_INPUT', `${where}: element ${index} must be ${expected}, got ${quote(got)}`);
}

function fillNumeric(out: NumericArray, datatype: Datatype, leaves: Leaf[], where: string): void {
  const n = leaves.length;
  switch (datatype) {
    case 'BOOL': {
      for (let i = 0; i < n; i++) {
        const v = leaves[i]!;
        if (v === true || v === 1) out[i] = 1;
        else if (v === false || v === 0) out[i] = 0;
        else elementError(where, i, 'a boolean (BOOL)', v);
      }
      return;
    }
    case 'FP16': {
      const half = out as Uint16Array;
      for (let i = 0; i < n; i++) {
        const v = leaves[i]!;
        if (typeof v !== 'number' || Math.abs(v) > FP16_MAX) elementError(where, i, `a number within the FP16 range (±${FP16_MAX})`, v);
        half[i] = numberToHalf(v);
      }
      return;
    }
    case 'FP32':
    case 'FP64': {
      for (let i = 0; i < n; i++) {
        const v = leaves[i]!;
        if (typeof v !== 'number') elementError(where, i, `a number (${datatype})`, v);
        if (datatype === 'FP32' && Math.abs(v) > FP32_MAX) elementError(where, i, 'a number within the FP32 range', v);
        out[i] = v;
      }
      return;
    }
    case 'INT64':
    case 'UINT64': {
      const [min, max] = datatype === 'INT64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
      const expected = `an integer in [${min}, ${max}] (${datatype})`;
      const big = out as BigInt64Array | BigUint64Array;
      for (let i = 0; i < n; i++) {
        const v = leaves[i]!;
        let b: bigint;
        if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
        else if (typeof v === 'string' && DECIMAL.test(v)) b = BigInt(v);
        else elementError(where, i, expected, v);
        if (b < min || b > max) elementError(where, i, expected, v);
        big[i] = b;
      }
      return;
    }
    default: {
      const [min, max] = INTEGER_RANGES[datatype]!;
      for (let i = 0; i < n; i++) {
        const v = leaves[i]!;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
          elementError(where, i, `an integer in [${min}, ${max}] (${datatype})`, v);
        }
        out[i] = v;
      }
    }
  }
}

function bytesElements(leaves: Leaf[], where: string, contentType: string): Uint8Array[] {
  if (contentType !== 'str' && contentType !== 'base64') {
    throw rtsError('INVALID_INPUT', `${where}: parameters.content_type must be "str" or "base64" for BYTES, got ${quote(contentType)}`);
  }
  const out = new Array<Uint8Array>(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const v = leaves[i]!;
    if (typeof v !== 'string') elementError(where, i, contentType === 'base64' ? 'a base64 string (BYTES)' : 'a string (BYTES)', v);
    out[i] = contentType === 'base64' ? decodeBase64(v, where, i) : Buffer.from(v, 'utf8');
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const DATA_URL = /^data:[a-z0-9.+/-]*(;[a-z0-9=.+-]+)*;base64,/i;

/**
 * Strict base64 (Node's decoder skips bad characters silently). Accepts the
 * standard and URL-safe alphabets, optional padding, and a `data:…;base64,` prefix.
 */
export function decodeBase64(value: string, where: string, index: number): Uint8Array {
  let s = value;
  const prefix = DATA_URL.exec(s);
  if (prefix) s = s.slice(prefix[0].length);
  const standard = BASE64.test(s);
  if ((!standard && !BASE64URL.test(s)) || s.replace(/=+$/, '').length % 4 === 1 || (s.includes('=') && s.length % 4 !== 0)) {
    throw rtsError('INVALID_INPUT', `${where}: element ${index} is not valid base64 (content_type "base64")`);
  }
  return Buffer.from(s, standard ? 'base64' : 'base64url');
}
