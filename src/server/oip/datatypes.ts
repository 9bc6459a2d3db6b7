import type { Datatype, NumericArray } from '../../core/tensor.js';

/**
 * The typed array behind each fixed-size OIP datatype, as the core carries
 * tensors: BOOL as 0/1 bytes, INT64/UINT64 as BigInt arrays, FP16 and BF16 as
 * their raw 16-bit patterns. BYTES has no typed array (one Uint8Array per element).
 */
type NumericArrayConstructor = {
  new (length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
};

const ARRAYS: Record<Exclude<Datatype, 'BYTES'>, NumericArrayConstructor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  BF16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** A zero-filled typed array of `length` elements for a fixed-size datatype. */
export function allocate(datatype: Exclude<Datatype, 'BYTES'>, length: number): NumericArray {
  return new ARRAYS[datatype](length);
}

/** Bytes per element of a fixed-size datatype. */
export function bytesPerElement(datatype: Exclude<Datatype, 'BYTES'>): number {
  return ARRAYS[datatype].BYTES_PER_ELEMENT;
}

/** Whether this process stores numbers little-endian (the wire order of the binary extension). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverse the bytes of every `width`-byte element in place (big-endian hosts only). */
export function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let at = 0; at + width <= bytes.length; at += width) {
    for (let i = 0, j = width - 1; i < j; i++, j--) {
      const t = bytes[at + i]!;
      bytes[at + i] = bytes[at + j]!;
      bytes[at + j] = t;
    }
  }
}

/** Integer ranges of the JSON-coercible integer datatypes. */
export const INTEGER_RANGES: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
};

/** Decode an IEEE 754 half-precision bit pattern. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Decode a bfloat16 bit pattern (the top half of a float32). */
export function bfloat16ToNumber(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}
