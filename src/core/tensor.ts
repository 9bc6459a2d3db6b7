/**
 * Tensors as the Open Inference Protocol sees them: a name, a datatype, a
 * shape (-1 = variable in specs) and row-major data.
 */
export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BF16', 'BYTES'] as const;
export type Datatype = (typeof DATATYPES)[number];

export type NumericArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** BYTES tensors hold one byte string per element (UTF-8 text, an encoded image, …). */
export type TensorData = NumericArray | Uint8Array[];

export interface TensorSpec {
  name: string;
  datatype: Datatype;
  /** -1 marks a variable dimension (the batch dimension of a batchable model). */
  shape: number[];
}

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
  /** Extra per-tensor facts (e.g. `content_type`). */
  parameters?: Record<string, string | number | boolean>;
}

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A spec for messages: `"name" DATATYPE [d0,d1,…]` (-1 = any size). */
export function describeSpec(spec: TensorSpec): string {
  return `"${spec.name}" ${spec.datatype} [${spec.shape.join(',')}]`;
}

/** Whether a concrete shape fits a spec's shape (same rank, -1 matches anything). */
export function shapeMatches(spec: readonly number[], shape: readonly number[]): boolean {
  if (spec.length !== shape.length) return false;
  return spec.every((d, i) => d === -1 || d === shape[i]);
}
