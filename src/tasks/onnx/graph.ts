import onnxProto from 'onnx-proto';
import { rtsError } from '../../core/errors.js';
import type { Datatype } from '../../core/tensor.js';

const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
type Long = { toNumber(): number };

/**
 * Reading an ONNX file the way the converters (skl2onnx, onnxmltools,
 * torch.onnx, tf2onnx) write it: the official schema via onnx-proto, the
 * same encoder the ResNet builder writes with.
 */

/** ONNX TensorProto element types → OIP datatypes (those onnxruntime-node can carry). */
const ELEMENT_TYPES: Record<number, Datatype> = {
  1: 'FP32',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'BYTES',
  9: 'BOOL',
  10: 'FP16',
  11: 'FP64',
  12: 'UINT32',
  13: 'UINT64',
};
const ELEMENT_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(onnx.TensorProto.DataType).map(([k, v]) => [v, k.toLowerCase()])),
};

export function datatypeOfElementType(elemType: number): Datatype | undefined {
  return ELEMENT_TYPES[elemType];
}

export function num(value: number | Long | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** How a graph input or output is typed, in words and (for tensors) as OIP. */
export interface ValueDescription {
  name: string;
  /** `tensor`, or the ONNX type that rtscore cannot carry (`seq(map(int64,tensor(float)))`, …). */
  kind: 'tensor' | 'other';
  /** ONNX's type as text, e.g. `tensor(float)`, `seq(map(string,tensor(float)))`. */
  type: string;
  datatype?: Datatype;
  /** -1 = dynamic (named or unknown) dimension. */
  shape?: number[];
}

export function typeText(type: onnxProto.onnx.ITypeProto | null | undefined): string {
  if (!type) return 'unknown';
  if (type.tensorType) return `tensor(${ELEMENT_NAMES[type.tensorType.elemType ?? 0] ?? 'unknown'})`;
  if (type.sequenceType) return `seq(${typeText(type.sequenceType.elemType)})`;
  if (type.mapType) return `map(${ELEMENT_NAMES[type.mapType.keyType ?? 0] ?? 'unknown'},${typeText(type.mapType.valueType)})`;
  if (type.optionalType) return `optional(${typeText(type.optionalType.elemType)})`;
  if (type.sparseTensorType) return 'sparse_tensor';
  return 'unknown';
}

export function describeValue(info: onnxProto.onnx.IValueInfoProto): ValueDescription {
  const name = info.name ?? '';
  const type = typeText(info.type);
  const tensor = info.type?.tensorType;
  const datatype = tensor ? datatypeOfElementType(tensor.elemType ?? 0) : undefined;
  if (!tensor || datatype === undefined) return { name, kind: 'other', type };
  const shape = (tensor.shape?.dim ?? []).map((d) => {
    const v = d.dimValue === null || d.dimValue === undefined ? -1 : num(d.dimValue);
    return d.dimParam || v <= 0 ? -1 : v;
  });
  return { name, kind: 'tensor', type, datatype, shape };
}

/**
 * Decode a model file. Protobuf decodes many byte strings without complaint,
 * so a file counts as ONNX only when it has a graph with outputs and an IR version.
 */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  const notOnnx = (why: string) =>
    rtsError(
      'MODEL_LOAD_FAILED',
      `${file} is not an ONNX model (${why}); export the model to ONNX first (skl2onnx, onnxmltools, torch.onnx.export, tf2onnx) and check it with \`rtscore inspect\``,
    );
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw notOnnx((err as Error).message);
  }
  if (num(model.irVersion) < 1 || !model.graph || (model.graph.output ?? []).length === 0) {
    throw notOnnx('no graph with outputs and no IR version');
  }
  return model;
}

/** The encoded model in a buffer of its own (protobufjs may hand out a slice of a shared pool). */
export function encodeModel(model: ModelProto): Uint8Array {
  const out = onnx.ModelProto.encode(model).finish();
  return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out);
}

/** `ai.onnx` 17, `ai.onnx.ml` 3, … */
export function opsets(model: ModelProto): { domain: string; version: number }[] {
  return (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: num(o.version) }));
}

export function attribute(node: NodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

const utf8 = new TextDecoder();

/** A STRINGS attribute as text. */
export function stringsAttribute(node: NodeProto, name: string): string[] | undefined {
  const a = attribute(node, name);
  return a?.strings && a.strings.length > 0 ? a.strings.map((s) => utf8.decode(s)) : undefined;
}

/** An INTS attribute as numbers. */
export function intsAttribute(node: NodeProto, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a?.ints && a.ints.length > 0 ? a.ints.map((v) => num(v)) : undefined;
}

export function stringAttribute(node: NodeProto, name: string): string | undefined {
  const a = attribute(node, name);
  return a?.s && a.s.length > 0 ? utf8.decode(a.s) : undefined;
}

/** The class labels a classifier node or a ZipMap declares, as text. */
export function classLabelsOf(node: NodeProto): string[] | undefined {
  return (
    stringsAttribute(node, 'classlabels_strings') ??
    intsAttribute(node, 'classlabels_int64s')?.map(String) ??
    intsAttribute(node, 'classlabels_ints')?.map(String)
  );
}

/** The node that produces a value, if any (graph inputs and initializers have none). */
export function producerOf(model: ModelProto, value: string): NodeProto | undefined {
  return model.graph?.node?.find((n) => n.output?.includes(value));
}

/** Nodes that read a value. */
export function consumersOf(model: ModelProto, value: string): NodeProto[] {
  return (model.graph?.node ?? []).filter((n) => n.input?.includes(value));
}

/** Operators that pass their first input's rows through to a same-meaning output. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Normalizer', 'Softmax', 'Reshape', 'Flatten']);

/**
 * The class labels behind a probability output: follow the value back through
 * pass-through operators to the classifier (LinearClassifier,
 * TreeEnsembleClassifier, SVMClassifier, ZipMap, …) that declares them.
 */
export function labelsBehind(model: ModelProto, value: string): string[] | undefined {
  let current = value;
  for (let hops = 0; hops < 16; hops++) {
    const node = producerOf(model, current);
    if (!node) return undefined;
    const labels = classLabelsOf(node);
    // A classifier's second output scores its classes (the first is the label).
    if (labels) return node.opType === 'ZipMap' || node.output?.[1] === current ? labels : undefined;
    if (!PASS_THROUGH.has(node.opType ?? '') || !node.input?.[0]) return undefined;
    current = node.input[0];
  }
  return undefined;
}
