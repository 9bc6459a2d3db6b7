import { allocate, bytesPerElement, HOST_IS_LITTLE_ENDIAN, swapBytes } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import { quote } from '../../core/quote.js';
import type { Datatype, NumericArray, Tensor, TensorData } from '../../core/tensor.js';
import { formatShape } from './shape.js';

/**
 * The binary tensor data extension (Triton `binary_tensor_data`, adopted by
 * KServe): a body made of a JSON header of `Inference-Header-Content-Length`
 * bytes followed by the tensors' raw bytes. Tensors are little-endian,
 * row-major, unpadded; BOOL is one byte 0/1; a BYTES element is a 4-byte
 * little-endian length followed by its bytes.
 */
export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

/**
 * The JSON header length from `Inference-Header-Content-Length`, or undefined
 * when the header is absent. It must be a decimal integer no larger than the body.
 */
export function parseHeaderLength(value: string | string[] | undefined, bodyLength: number): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? (value[0] ?? '') : value;
  if (!/^[0-9]{1,15}$/.test(text.trim())) {
    throw rtsError('INVALID_INPUT', `Inference-Header-Content-Length must be a non-negative integer, got ${quote(text)}`);
  }
  const n = Number(text.trim());
  if (n > bodyLength) {
    throw rtsError('INVALID_INPUT', `Inference-Header-Content-Length is ${n} but the body has only ${bodyLength} bytes`);
  }
  return n;
}

/** Split a framed body into its JSON header and the binary section after it. */
export function splitBody(body: Buffer, headerLength: number): { header: Buffer; binary: Buffer } {
  return { header: body.subarray(0, headerLength), binary: body.subarray(headerLength) };
}

/**
 * Decode one tensor's binary data. The size must be exact: elements × size
 * for fixed-size types; for BYTES, exactly `count` length-prefixed elements
 * filling the whole slice. BYTES elements are views into `bytes` (no copy);
 * numeric data is copied into a fresh, aligned typed array.
 */
export function decodeBinaryTensor(datatype: Datatype, shape: readonly number[], count: number, bytes: Uint8Array, where: string): TensorData {
  if (datatype === 'BYTES') return decodeBytesElements(bytes, count, where, shape);
  const width = bytesPerElement(datatype);
  const expected = count * width;
  if (bytes.length !== expected) {
    throw rtsError(
      'INVALID_INPUT',
      `${where}: ${datatype} shape ${formatShape(shape)} needs ${expected} bytes of binary data (${count} × ${width}), got ${bytes.length}`,
    );
  }
  const out = allocate(datatype, count);
  const view = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  view.set(bytes);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(view, width);
  if (datatype === 'BOOL') {
    const flags = out as Uint8Array;
    for (let i = 0; i < count; i++) {
      if (flags[i]! > 1) throw rtsError('INVALID_INPUT', `${where}: BOOL element ${i} is byte ${flags[i]}; only 0 and 1 are allowed`);
    }
  }
  return out;
}

function decodeBytesElements(bytes: Uint8Array, count: number, where: string, shape: readonly number[]): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<Uint8Array>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) {
      throw rtsError(
        'INVALID_INPUT',
        `${where}: BYTES shape ${formatShape(shape)} needs ${count} length-prefixed elements, but the binary data ends after ${i}`,
      );
    }
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.length) {
      throw rtsError('INVALID_INPUT', `${where}: BYTES element ${i} claims ${length} bytes, but only ${bytes.length - at} remain in its binary data`);
    }
    out[i] = bytes.subarray(at, at + length);
    at += length;
  }
  if (at !== bytes.length) {
    throw rtsError('INVALID_INPUT', `${where}: binary data has ${bytes.length - at} bytes left over after its ${count} BYTES element${count === 1 ? '' : 's'}`);
  }
  return out;
}

/** A tensor's data in the extension's wire format. */
export function encodeBinaryTensor(tensor: Pick<Tensor, 'datatype' | 'data'>): Buffer {
  if (tensor.datatype === 'BYTES') {
    const elements = tensor.data as Uint8Array[];
    let size = 0;
    for (const e of elements) size += 4 + e.length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const e of elements) {
      out.writeUInt32LE(e.length, at);
      out.set(e, at + 4);
      at += 4 + e.length;
    }
    return out;
  }
  const data = tensor.data as NumericArray;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return bytes;
  const copy = Buffer.from(bytes);
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}
