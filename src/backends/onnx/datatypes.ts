import type { Datatype, NumericArray } from '../../core/tensor.js';

/**
 * ONNX Runtime's JavaScript tensor types and the Open Inference Protocol
 * datatypes they correspond to, with the typed array that carries each.
 * BF16 has no onnxruntime-node type, so it is absent.
 */
export type OrtType =
  | 'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64'
  | 'float16' | 'float32' | 'float64' | 'string';

type TypedArrayConstructor = new (lengthOrValues: number | NumericArray) => NumericArray;

interface TypeInfo {
  datatype: Datatype;
  /** The typed array that must hold the data; none for BYTES (an `Array` of Uint8Array). */
  array?: TypedArrayConstructor;
}

const ORT_TYPES: Record<OrtType, TypeInfo> = {
  bool: { datatype: 'BOOL', array: Uint8Array as unknown as TypedArrayConstructor },
  uint8: { datatype: 'UINT8', array: Uint8Array as unknown as TypedArrayConstructor },
  int8: { datatype: 'INT8', array: Int8Array as unknown as TypedArrayConstructor },
  uint16: { datatype: 'UINT16', array: Uint16Array as unknown as TypedArrayConstructor },
  int16: { datatype: 'INT16', array: Int16Array as unknown as TypedArrayConstructor },
  uint32: { datatype: 'UINT32', array: Uint32Array as unknown as TypedArrayConstructor },
  int32: { datatype: 'INT32', array: Int32Array as unknown as TypedArrayConstructor },
  uint64: { datatype: 'UINT64', array: BigUint64Array as unknown as TypedArrayConstructor },
  int64: { datatype: 'INT64', array: BigInt64Array as unknown as TypedArrayConstructor },
  // onnxruntime-node carries float16 as raw IEEE half bits in a Uint16Array.
  float16: { datatype: 'FP16', array: Uint16Array as unknown as TypedArrayConstructor },
  float32: { datatype: 'FP32', array: Float32Array as unknown as TypedArrayConstructor },
  float64: { datatype: 'FP64', array: Float64Array as unknown as TypedArrayConstructor },
  string: { datatype: 'BYTES' },
};

const BY_DATATYPE = new Map<Datatype, OrtType>(
  (Object.entries(ORT_TYPES) as [OrtType, TypeInfo][]).map(([ort, info]) => [info.datatype, ort]),
);

/** OIP datatype of an ONNX Runtime tensor type; undefined for types rtscore does not carry (int4, …). */
export function datatypeOfOrtType(type: string): Datatype | undefined {
  return (ORT_TYPES as Record<string, TypeInfo | undefined>)[type]?.datatype;
}

/** ONNX Runtime tensor type of an OIP datatype; undefined for BF16. */
export function ortTypeOfDatatype(datatype: Datatype): OrtType | undefined {
  return BY_DATATYPE.get(datatype);
}

/** Name of the JavaScript container a datatype's data must come in (`Float32Array`, … `Array` for BYTES). */
export function arrayNameOf(datatype: Datatype): string | undefined {
  const ort = BY_DATATYPE.get(datatype);
  return ort === undefined ? undefined : (ORT_TYPES[ort].array?.name ?? 'Array');
}

/** The typed-array constructor of a numeric datatype (throws for BYTES and BF16). */
function arrayOf(datatype: Datatype): TypedArrayConstructor {
  const ort = BY_DATATYPE.get(datatype);
  const array = ort === undefined ? undefined : ORT_TYPES[ort].array;
  if (array === undefined) throw new TypeError(`no numeric array for ${datatype}`);
  return array;
}

/** A fresh typed array of `length` zeros for a numeric datatype. */
export function zerosOf(datatype: Datatype, length: number): NumericArray {
  return new (arrayOf(datatype))(length);
}

/**
 * A copy of a typed array in a buffer of its own (transferable to a worker).
 * Built with the datatype's constructor: `Buffer#slice` would return a view.
 */
export function copyOf(datatype: Datatype, data: NumericArray): NumericArray {
  return new (arrayOf(datatype))(data);
}

/**
 * The typed array's name regardless of subclassing or realm (a Node Buffer
 * is a `Uint8Array`).
 */
export function arrayNameOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'Array';
  if (ArrayBuffer.isView(value)) return (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
  return typeof value;
}
