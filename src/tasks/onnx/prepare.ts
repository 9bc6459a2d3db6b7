import onnxProto from 'onnx-proto';
import { rtsError } from '../../core/errors.js';
import {
  attribute,
  classLabelsOf,
  decodeModel,
  describeValue,
  encodeModel,
  labelsBehind,
  type ModelProto,
  num,
  opsets,
  producerOf,
  type ValueDescription,
} from './graph.js';
import { defaultLocale } from './locale.js';

const { onnx } = onnxProto;

/**
 * What rtscore learns from an ONNX file before ONNX Runtime opens it, and the
 * converter quirks it fixes so that default exports just work:
 *
 * - ZipMap: skl2onnx's default classifier export ends in `ZipMap`, a sequence
 *   of maps that onnxruntime-node cannot return. The node becomes an Identity,
 *   so its input, the FP32 [N, classes] probabilities, is served under the
 *   ZipMap output's name; the class labels come from the ZipMap's attributes.
 * - StringNormalizer without `locale` (skl2onnx's default): ONNX Runtime then
 *   asks for `en_US.UTF-8` and refuses to load where that locale is missing
 *   (slim images); the node gets a locale that exists.
 */
export interface PrepareOptions {
  /** Locale given to StringNormalizer nodes that name none; default: one this platform has. */
  locale?: string;
}

export interface PreparedModel {
  /** The edited model, or undefined when the file is served as it is. */
  bytes?: Uint8Array;
  producer: string;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  inputs: ValueDescription[];
  /** Graph outputs after the fixes (all tensors). */
  outputs: ValueDescription[];
  /** Class labels of probability outputs, by output name. */
  labels: Record<string, string[]>;
  /** One line per fix applied, for the load log and `rtscore inspect`. */
  notes: string[];
  /** Operators used, `domain:OpType` (ai.onnx ops without a domain). */
  operators: string[];
}

export function prepareModel(bytes: Uint8Array, file: string, options: PrepareOptions = {}): PreparedModel {
  const model = decodeModel(bytes, file);
  const graph = model.graph!;
  const notes: string[] = [];
  const zipLabels = removeZipMaps(model, notes);
  const localeChanged = setStringNormalizerLocale(model, options.locale ?? defaultLocale(), notes);

  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name)).map(describeValue);
  const outputs = (graph.output ?? []).map(describeValue);
  for (const input of inputs) {
    if (input.kind !== 'tensor') {
      throw rtsError(
        'MODEL_LOAD_FAILED',
        `${file}: input "${input.name}" is ${input.type}; rtscore serves tensor inputs only — re-export the model with tensor inputs (skl2onnx: initial_types=[("X", FloatTensorType([None, n]))])`,
      );
    }
  }
  for (const output of outputs) {
    if (output.kind !== 'tensor') {
      throw rtsError(
        'MODEL_LOAD_FAILED',
        `${file}: output "${output.name}" is ${output.type} (made by ${producerName(model, output.name)}), which onnxruntime-node cannot return; re-export the model so that this output is a tensor (skl2onnx: options={"zipmap": False}) or leave it out of the graph`,
      );
    }
  }
  const labels: Record<string, string[]> = { ...zipLabels };
  for (const output of outputs) {
    if (labels[output.name] || (output.datatype !== 'FP32' && output.datatype !== 'FP64')) continue;
    const found = labelsBehind(model, output.name);
    if (found && (output.shape?.at(-1) === -1 || output.shape?.at(-1) === found.length)) labels[output.name] = found;
  }
  const operators = [...new Set((graph.node ?? []).map((n) => (n.domain ? `${n.domain}:${n.opType}` : (n.opType ?? ''))))].sort();
  const edited = Object.keys(zipLabels).length > 0 || localeChanged;
  return {
    ...(edited ? { bytes: encodeModel(model) } : {}),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown',
    irVersion: num(model.irVersion),
    opsets: opsets(model),
    inputs,
    outputs,
    labels,
    notes,
    operators,
  };
}

function producerName(model: ModelProto, value: string): string {
  const node = producerOf(model, value);
  return node ? `${node.opType} node "${node.name ?? ''}"` : 'no node';
}

/** Replace each ZipMap that makes a graph output by an Identity of its probabilities. */
function removeZipMaps(model: ModelProto, notes: string[]): Record<string, string[]> {
  const graph = model.graph!;
  const labels: Record<string, string[]> = {};
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    const node = producerOf(model, name);
    if (node?.opType !== 'ZipMap' || !node.input?.[0]) continue;
    const classes = classLabelsOf(node) ?? [];
    const source = node.input[0];
    node.opType = 'Identity';
    node.domain = '';
    node.attribute = [];
    output.type = {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'N' }, classes.length > 0 ? { dimValue: classes.length } : { dimParam: 'classes' }] },
      },
    };
    labels[name] = classes;
    notes.push(
      `removed ZipMap "${node.name ?? ''}": output "${name}" is now the FP32 [N, ${classes.length}] probabilities ("${source}"), classes ${JSON.stringify(classes)}`,
    );
  }
  if (Object.keys(labels).length > 0 && !(model.opsetImport ?? []).some((o) => !o.domain || o.domain === 'ai.onnx')) {
    // Identity lives in the default domain, which a pure ai.onnx.ml graph may not import.
    (model.opsetImport ??= []).push({ domain: '', version: 13 });
  }
  return labels;
}

/** Give StringNormalizer nodes without a locale one that exists here. */
function setStringNormalizerLocale(model: ModelProto, locale: string, notes: string[]): boolean {
  let changed = false;
  for (const node of model.graph!.node ?? []) {
    if (node.opType !== 'StringNormalizer' || attribute(node, 'locale')) continue;
    (node.attribute ??= []).push({ name: 'locale', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(locale) });
    notes.push(`StringNormalizer "${node.name ?? ''}" names no locale (ONNX Runtime would ask for en_US.UTF-8): using "${locale}"`);
    changed = true;
  }
  return changed;
}
