import type { Datatype, NumericArray } from './tensor.js';

/**
 * The one table of how rtscore carries each OIP datatype in memory: BOOL as
 * 0/1 bytes, INT64/UINT64 as BigInt arrays, FP16 and BF16 as their raw 16-bit
 * patterns (as onnxruntime-node carries float16). BYTES has no typed array:
 * it is an `Array` of Uint8Array, one per element. The protocol edge (JSON,
 * binary extension) and the ONNX Runtime backend both read this table.
 */
export type FixedDatatype = Exclude<Datatype, 'BYTES'>;

interface NumericArrayConstructor {
  new (length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

const ARRAYS: Record<FixedDatatype, NumericArrayConstructor> = {
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

export function isFixedSize(datatype: Datatype): datatype is FixedDatatype {
  return datatype !== 'BYTES';
}

/** A zero-filled typed array of `length` elements for a fixed-size datatype. */
export function allocate(datatype: FixedDatatype, length: number): NumericArray {
  return new ARRAYS[datatype](length);
}

/** Bytes per element of a fixed-size datatype. */
export function bytesPerElement(datatype: FixedDatatype): number {
  return ARRAYS[datatype].BYTES_PER_ELEMENT;
}

/** Name of the container a datatype's data comes in: `Float32Array`, …, `Array` for BYTES. */
export function arrayNameOf(datatype: Datatype): string {
  return isFixedSize(datatype) ? ARRAYS[datatype].name : 'Array';
}

/**
 * The container's name of a value regardless of subclassing or realm (a Node
 * Buffer is a `Uint8Array`), to compare with `arrayNameOf`.
 */
export function arrayNameOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'Array';
  if (ArrayBuffer.isView(value)) return Object.prototype.toString.call(value).slice(8, -1);
  return typeof value;
}

/**
 * A copy of numeric data in a buffer of its own (transferable to a worker).
 * Copied byte-wise: `Buffer#slice` would return a view.
 */
export function copyOf(datatype: FixedDatatype, data: NumericArray): NumericArray {
  const out = allocate(datatype, data.length);
  new Uint8Array(out.buffer).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

/** Rows `[start, end)` of numeric data with `rowSize` elements per row, in a buffer of their own. */
export function sliceRows<T extends NumericArray | Uint8Array[]>(data: T, rowSize: number, start: number, end: number): T {
  return data.slice(start * rowSize, end * rowSize) as T;
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

/** Integer ranges of the integer datatypes that fit a JavaScript number exactly. */
export const INTEGER_RANGES: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
};

/** Largest finite IEEE 754 half-precision value. */
export const FP16_MAX = 65_504;

/** Decode an IEEE 754 half-precision bit pattern. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Round half to even (Math.round rounds halves up). */
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Encode a number as an IEEE 754 half-precision bit pattern, rounded to
 * nearest even from the double itself (as numpy's float16 does); beyond the
 * half range it becomes ±Infinity.
 */
export function numberToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundEven(a / 2 ** -24); // subnormal (1024 = the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  let m = roundEven(a / 2 ** (e - 10)); // 1024 ≤ m ≤ 2048: exact scaling by a power of two
  if (m === 2048) {
    m = 1024;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | (m - 1024);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decode a bfloat16 bit pattern (the top half of a float32). */
export function bfloat16ToNumber(bits: number): number {
  u32[0] = (bits << 16) >>> 0;
  return f32[0]!;
}

/** Any numeric element as a JavaScript number (FP16/BF16 decoded, 64-bit integers possibly rounded). */
export function numberAt(datatype: Datatype, data: NumericArray, index: number): number {
  const v = data[index]!;
  if (datatype === 'FP16') return halfToNumber(v as number);
  if (datatype === 'BF16') return bfloat16ToNumber(v as number);
  return Number(v);
}
