import type { Datatype } from '../../core/tensor.js';

/**
 * ONNX Runtime's JavaScript tensor type names and the OIP datatypes they
 * correspond to. How the data is carried (which typed array) is core's table
 * (core/datatypes.ts); onnxruntime-node takes the same arrays, float16 as raw
 * half bits in a Uint16Array. BF16 has no onnxruntime-node type, so it is absent.
 */
export type OrtType = 'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'float16' | 'float32' | 'float64' | 'string';

const ORT_TYPES: Record<OrtType, Datatype> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  int8: 'INT8',
  uint16: 'UINT16',
  int16: 'INT16',
  uint32: 'UINT32',
  int32: 'INT32',
  uint64: 'UINT64',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const BY_DATATYPE = new Map<Datatype, OrtType>((Object.entries(ORT_TYPES) as [OrtType, Datatype][]).map(([ort, datatype]) => [datatype, ort]));

/** OIP datatype of an ONNX Runtime tensor type; undefined for types rtscore does not carry (int4, …). */
export function datatypeOfOrtType(type: string): Datatype | undefined {
  return Object.hasOwn(ORT_TYPES, type) ? ORT_TYPES[type as OrtType] : undefined;
}

/** ONNX Runtime tensor type of an OIP datatype; undefined for BF16. */
export function ortTypeOfDatatype(datatype: Datatype): OrtType | undefined {
  return BY_DATATYPE.get(datatype);
}
