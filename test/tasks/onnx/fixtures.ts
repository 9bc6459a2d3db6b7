import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

/**
 * Small ONNX graphs shaped exactly as the converters emit them, written with
 * onnx-proto (the writer of the ResNet builder). Op sequences and attributes
 * follow skl2onnx 1.x (operator_converters/linear_classifier.py,
 * random_forest.py, decision_tree.py, scaler_op.py, normaliser.py,
 * text_vectoriser.py, tfidf_transformer.py, zip_map.py) and onnxmltools'
 * LightGBM converter (TreeEnsembleClassifier/Regressor with the same
 * attributes). Each builder also returns the parameters, so tests compute the
 * expected outputs from them (reference.ts), not from rtscore.
 */
const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;
type Node = onnxProto.onnx.INodeProto;
type Attr = onnxProto.onnx.IAttributeProto;
type Value = onnxProto.onnx.IValueInfoProto;
type Dim = number | string;

const enc = new TextEncoder();
export const attr = {
  f: (name: string, f: number): Attr => ({ name, type: A.FLOAT, f }),
  i: (name: string, i: number): Attr => ({ name, type: A.INT, i }),
  s: (name: string, s: string): Attr => ({ name, type: A.STRING, s: enc.encode(s) }),
  floats: (name: string, floats: number[]): Attr => ({ name, type: A.FLOATS, floats }),
  ints: (name: string, ints: number[]): Attr => ({ name, type: A.INTS, ints }),
  strings: (name: string, strings: string[]): Attr => ({ name, type: A.STRINGS, strings: strings.map((s) => enc.encode(s)) }),
};

export function tensorValue(name: string, elemType: number, dims: Dim[]): Value {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

/** skl2onnx's ZipMap output type: seq(map(int64|string, float)). */
export function zipMapValue(name: string, stringKeys: boolean): Value {
  return {
    name,
    type: { sequenceType: { elemType: { mapType: { keyType: stringKeys ? T.STRING : T.INT64, valueType: { tensorType: { elemType: T.FLOAT } } } } } },
  };
}

export interface GraphSpec {
  nodes: Node[];
  inputs: Value[];
  outputs: Value[];
  initializers?: onnxProto.onnx.ITensorProto[];
  /** Default: ai.onnx 15, ai.onnx.ml 1 (skl2onnx's defaults for these ops). */
  opsets?: { domain: string; version: number }[];
  producer?: string;
  irVersion?: number;
}

export function encodeGraph(spec: GraphSpec): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: spec.irVersion ?? 8,
    producerName: spec.producer ?? 'skl2onnx',
    producerVersion: '1.16.0',
    opsetImport: (
      spec.opsets ?? [
        { domain: '', version: 15 },
        { domain: 'ai.onnx.ml', version: 1 },
      ]
    ).map((o) => ({ domain: o.domain, version: o.version })),
    graph: { name: 'fixture', node: spec.nodes, input: spec.inputs, output: spec.outputs, initializer: spec.initializers ?? [] },
  }).finish();
}

function floatInit(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: T.FLOAT, floatData: values };
}

function int64Init(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: T.INT64, int64Data: values };
}

/** A deterministic pseudo-random source for fixture parameters. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// ---------------------------------------------------------------- linear classifier

export interface LinearParams {
  /** [classes][features] */
  coefficients: number[][];
  intercepts: number[];
  labels: (number | string)[];
}

export function linearParams(classes: number, features: number, labels: (number | string)[], seed = 1): LinearParams {
  const r = seeded(seed);
  return {
    coefficients: Array.from({ length: classes }, () => Array.from({ length: features }, () => Math.fround(r() * 4 - 2))),
    intercepts: Array.from({ length: classes }, () => Math.fround(r() - 0.5)),
    labels,
  };
}

function classLabelAttr(labels: (number | string)[]): Attr {
  return typeof labels[0] === 'string' ? attr.strings('classlabels_strings', labels as string[]) : attr.ints('classlabels_ints', labels as number[]);
}

function zipMapLabelAttr(labels: (number | string)[]): Attr {
  return typeof labels[0] === 'string' ? attr.strings('classlabels_strings', labels as string[]) : attr.ints('classlabels_int64s', labels as number[]);
}

/**
 * skl2onnx's LogisticRegression (multinomial): LinearClassifier(SOFTMAX) →
 * label, probability_tensor; then ZipMap → output_probability (default) or,
 * with zipmap=False, Identity → probabilities.
 */
export function linearClassifierNodes(input: string, p: LinearParams, zipmap: boolean, suffix = ''): { nodes: Node[]; outputs: Value[] } {
  const stringLabels = typeof p.labels[0] === 'string';
  const nodes: Node[] = [
    {
      opType: 'LinearClassifier',
      domain: 'ai.onnx.ml',
      name: `LinearClassifier${suffix}`,
      input: [input],
      output: ['label', 'probability_tensor'],
      attribute: [
        classLabelAttr(p.labels),
        attr.floats('coefficients', p.coefficients.flat()),
        attr.floats('intercepts', p.intercepts),
        attr.i('multi_class', 1),
        attr.s('post_transform', 'SOFTMAX'),
      ],
    },
  ];
  const label = tensorValue('label', stringLabels ? T.STRING : T.INT64, ['N']);
  if (zipmap) {
    nodes.push({
      opType: 'ZipMap',
      domain: 'ai.onnx.ml',
      name: `ZipMap${suffix}`,
      input: ['probability_tensor'],
      output: ['output_probability'],
      attribute: [zipMapLabelAttr(p.labels)],
    });
    return { nodes, outputs: [label, zipMapValue('output_probability', stringLabels)] };
  }
  nodes.push({ opType: 'Identity', name: `Identity${suffix}`, input: ['probability_tensor'], output: ['probabilities'] });
  return { nodes, outputs: [label, tensorValue('probabilities', T.FLOAT, ['N', p.labels.length])] };
}

export function linearClassifierModel(p: LinearParams, zipmap: boolean): Uint8Array {
  const features = p.coefficients[0]!.length;
  const { nodes, outputs } = linearClassifierNodes('X', p, zipmap);
  return encodeGraph({ nodes, inputs: [tensorValue('X', T.FLOAT, ['N', features])], outputs });
}

// ---------------------------------------------------------------- tree ensembles

export interface TreeNode {
  /** Split: x[feature] <= threshold goes to `left` (BRANCH_LEQ, scikit-learn's rule). */
  feature?: number;
  threshold?: number;
  left?: TreeNode;
  right?: TreeNode;
  /** Leaf: one weight per class (classifier) or the value (regressor). */
  weights?: number[];
}

/** A complete tree of `depth` with seeded splits and leaf weights of `width` values. */
export function randomTree(r: () => number, depth: number, features: number, width: number, leafWeights: (r: () => number) => number[]): TreeNode {
  if (depth === 0) return { weights: leafWeights(r) };
  return {
    feature: Math.floor(r() * features),
    threshold: Math.fround(r() * 2 - 1),
    left: randomTree(r, depth - 1, features, width, leafWeights),
    right: randomTree(r, depth - 1, features, width, leafWeights),
  };
}

/** Leaf probabilities of a random-forest tree (class frequencies, summing to 1). */
export function leafProbabilities(classes: number) {
  return (r: () => number): number[] => {
    const raw = Array.from({ length: classes }, () => r() + 0.01);
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => Math.fround(v / sum));
  };
}

interface FlatTrees {
  nodes_treeids: number[];
  nodes_nodeids: number[];
  nodes_featureids: number[];
  nodes_values: number[];
  nodes_modes: string[];
  nodes_truenodeids: number[];
  nodes_falsenodeids: number[];
  nodes_missing_value_tracks_true: number[];
  nodes_hitrates: number[];
  leaves: { tree: number; node: number; weights: number[] }[];
}

/**
 * The largest float32 not above a float64 threshold. scikit-learn compares
 * float32 features with float64 thresholds; ONNX thresholds are float32, so
 * skl2onnx rounds them down (adjust_threshold_for_sklearn) to keep
 * `x <= t` deciding the same way for every float32 x.
 */
export function float32AtMost(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  const bits = new Float32Array([f]);
  const u = new Int32Array(bits.buffer);
  u[0] = f > 0 ? u[0]! - 1 : f < 0 ? u[0]! + 1 : 0x80000001 | 0; // 0 → the smallest negative subnormal
  return bits[0]!;
}

/** Trees in the flat attribute form of TreeEnsemble* (skl2onnx's add_tree_to_attribute_pairs). */
function flatten(trees: TreeNode[]): FlatTrees {
  const f: FlatTrees = {
    nodes_treeids: [],
    nodes_nodeids: [],
    nodes_featureids: [],
    nodes_values: [],
    nodes_modes: [],
    nodes_truenodeids: [],
    nodes_falsenodeids: [],
    nodes_missing_value_tracks_true: [],
    nodes_hitrates: [],
    leaves: [],
  };
  trees.forEach((tree, treeId) => {
    let next = 0;
    const visit = (node: TreeNode): number => {
      const id = next++;
      const at = f.nodes_nodeids.length;
      f.nodes_treeids.push(treeId);
      f.nodes_nodeids.push(id);
      f.nodes_hitrates.push(1);
      f.nodes_missing_value_tracks_true.push(0);
      if (node.weights) {
        f.nodes_featureids.push(0);
        f.nodes_values.push(0);
        f.nodes_modes.push('LEAF');
        f.nodes_truenodeids.push(0);
        f.nodes_falsenodeids.push(0);
        f.leaves.push({ tree: treeId, node: id, weights: node.weights });
        return id;
      }
      f.nodes_featureids.push(node.feature!);
      f.nodes_values.push(float32AtMost(node.threshold!));
      f.nodes_modes.push('BRANCH_LEQ');
      f.nodes_truenodeids.push(0);
      f.nodes_falsenodeids.push(0);
      f.nodes_truenodeids[at] = visit(node.left!);
      f.nodes_falsenodeids[at] = visit(node.right!);
      return id;
    };
    visit(tree);
  });
  return f;
}

function nodeAttrs(f: FlatTrees): Attr[] {
  return [
    attr.ints('nodes_treeids', f.nodes_treeids),
    attr.ints('nodes_nodeids', f.nodes_nodeids),
    attr.ints('nodes_featureids', f.nodes_featureids),
    attr.floats('nodes_values', f.nodes_values),
    attr.strings('nodes_modes', f.nodes_modes),
    attr.ints('nodes_truenodeids', f.nodes_truenodeids),
    attr.ints('nodes_falsenodeids', f.nodes_falsenodeids),
    attr.ints('nodes_missing_value_tracks_true', f.nodes_missing_value_tracks_true),
    attr.floats('nodes_hitrates', f.nodes_hitrates),
  ];
}

export interface ForestParams {
  trees: TreeNode[];
  labels: (number | string)[];
  features: number;
}

/** Random-forest parameters: each leaf holds class probabilities; the forest averages them. */
export function forestParams(trees: number, depth: number, features: number, labels: (number | string)[], seed = 7): ForestParams {
  const r = seeded(seed);
  return { trees: Array.from({ length: trees }, () => randomTree(r, depth, features, labels.length, leafProbabilities(labels.length))), labels, features };
}

/**
 * skl2onnx's RandomForestClassifier: TreeEnsembleClassifier (post_transform
 * NONE, class weights = leaf probability / n_trees; a binary forest lists
 * only the positive class) → label, probabilities; then ZipMap (default).
 */
export function treeClassifierModel(p: ForestParams, zipmap: boolean): Uint8Array {
  const f = flatten(p.trees);
  const n = p.trees.length;
  const classTree: number[] = [];
  const classNode: number[] = [];
  const classIds: number[] = [];
  const classWeights: number[] = [];
  for (const leaf of f.leaves) {
    // Binary: only the positive class's weight, as class 0 (skl2onnx keeps
    // flattened_weights[1] when there are two); ONNX Runtime then returns
    // [1 - p, p] and the label p > 0.5.
    const weights = leaf.weights.length === 2 ? [leaf.weights[1]!] : leaf.weights;
    weights.forEach((w, c) => {
      classTree.push(leaf.tree);
      classNode.push(leaf.node);
      classIds.push(c);
      classWeights.push(Math.fround(w / n));
    });
  }
  const stringLabels = typeof p.labels[0] === 'string';
  const nodes: Node[] = [
    {
      opType: 'TreeEnsembleClassifier',
      domain: 'ai.onnx.ml',
      name: 'TreeEnsembleClassifier',
      input: ['X'],
      output: ['label', 'probabilities'],
      attribute: [
        ...nodeAttrs(f),
        attr.ints('class_treeids', classTree),
        attr.ints('class_nodeids', classNode),
        attr.ints('class_ids', classIds),
        attr.floats('class_weights', classWeights),
        typeof p.labels[0] === 'string' ? attr.strings('classlabels_strings', p.labels as string[]) : attr.ints('classlabels_int64s', p.labels as number[]),
        attr.s('post_transform', 'NONE'),
      ],
    },
  ];
  const label = tensorValue('label', stringLabels ? T.STRING : T.INT64, ['N']);
  if (!zipmap) {
    return encodeGraph({
      nodes,
      inputs: [tensorValue('X', T.FLOAT, ['N', p.features])],
      outputs: [label, tensorValue('probabilities', T.FLOAT, ['N', p.labels.length])],
    });
  }
  nodes.push({
    opType: 'ZipMap',
    domain: 'ai.onnx.ml',
    name: 'ZipMap',
    input: ['probabilities'],
    output: ['output_probability'],
    attribute: [zipMapLabelAttr(p.labels)],
  });
  return encodeGraph({ nodes, inputs: [tensorValue('X', T.FLOAT, ['N', p.features])], outputs: [label, zipMapValue('output_probability', stringLabels)] });
}

export interface RegressorParams {
  trees: TreeNode[];
  features: number;
  base: number;
  aggregate: 'SUM' | 'AVERAGE';
}

export function regressorParams(trees: number, depth: number, features: number, aggregate: 'SUM' | 'AVERAGE', seed = 11): RegressorParams {
  const r = seeded(seed);
  return {
    trees: Array.from({ length: trees }, () => randomTree(r, depth, features, 1, (rr) => [Math.fround(rr() * 10 - 5)])),
    features,
    base: aggregate === 'SUM' ? 0.5 : 0,
    aggregate,
  };
}

/**
 * TreeEnsembleRegressor as skl2onnx writes a RandomForestRegressor (AVERAGE)
 * and onnxmltools a LightGBM/GradientBoosting regressor (SUM + base_values):
 * output `variable` FP32 [N, 1].
 */
export function treeRegressorModel(p: RegressorParams): Uint8Array {
  const f = flatten(p.trees);
  return encodeGraph({
    nodes: [
      {
        opType: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        name: 'TreeEnsembleRegressor',
        input: ['X'],
        output: ['variable'],
        attribute: [
          ...nodeAttrs(f),
          attr.ints(
            'target_treeids',
            f.leaves.map((l) => l.tree),
          ),
          attr.ints(
            'target_nodeids',
            f.leaves.map((l) => l.node),
          ),
          attr.ints(
            'target_ids',
            f.leaves.map(() => 0),
          ),
          attr.floats(
            'target_weights',
            f.leaves.map((l) => l.weights[0]!),
          ),
          attr.i('n_targets', 1),
          attr.s('aggregate_function', p.aggregate),
          attr.floats('base_values', [p.base]),
          attr.s('post_transform', 'NONE'),
        ],
      },
    ],
    inputs: [tensorValue('X', T.FLOAT, ['N', p.features])],
    outputs: [tensorValue('variable', T.FLOAT, ['N', 1])],
  });
}

// ---------------------------------------------------------------- scaler / normalizer

export interface ScalerParams {
  offset: number[];
  scale: number[];
  norm: 'L1' | 'L2' | 'MAX';
}

/**
 * skl2onnx's Pipeline(StandardScaler, Normalizer) fed float64 data
 * (`to_onnx(pipe, X[:1])` with a float64 X): Cast(to=FLOAT) → Scaler(offset =
 * mean, scale = 1/std) → Normalizer(norm) → `variable` FP32 [N, F].
 */
export function scalerNormalizerModel(p: ScalerParams): Uint8Array {
  const features = p.offset.length;
  return encodeGraph({
    nodes: [
      { opType: 'Cast', name: 'Cast', input: ['X'], output: ['X_float'], attribute: [attr.i('to', T.FLOAT)] },
      {
        opType: 'Scaler',
        domain: 'ai.onnx.ml',
        name: 'Scaler',
        input: ['X_float'],
        output: ['scaled'],
        attribute: [attr.floats('offset', p.offset), attr.floats('scale', p.scale)],
      },
      { opType: 'Normalizer', domain: 'ai.onnx.ml', name: 'Normalizer', input: ['scaled'], output: ['variable'], attribute: [attr.s('norm', p.norm)] },
    ],
    inputs: [tensorValue('X', T.DOUBLE, ['N', features])],
    outputs: [tensorValue('variable', T.FLOAT, ['N', features])],
  });
}

// ---------------------------------------------------------------- text pipeline

export interface TextParams {
  vocabulary: string[];
  idf: number[];
  classifier: LinearParams;
}

export function textParams(seed = 3): TextParams {
  const vocabulary = ['card', 'lost', 'my', 'pin', 'refund', 'transfer', 'when', 'arrive', 'money', 'stolen', 'i', 'the'];
  const r = seeded(seed);
  return {
    vocabulary,
    idf: vocabulary.map(() => Math.fround(1 + r() * 2)),
    classifier: linearParams(3, vocabulary.length, ['card_lost', 'refund', 'transfer'], seed + 1),
  };
}

/**
 * skl2onnx's Pipeline(TfidfVectorizer, LogisticRegression) with a string
 * input [None, 1]: Reshape → StringNormalizer(LOWER, no locale) →
 * com.microsoft Tokenizer(regex) → TfIdfVectorizer(TF, 1-grams) → Mul(idf)
 * → Normalizer(L2) → LinearClassifier(SOFTMAX) → ZipMap.
 */
export function textPipelineModel(p: TextParams, zipmap = true): Uint8Array {
  const v = p.vocabulary.length;
  const classifier = linearClassifierNodes('tfidf_normalized', p.classifier, zipmap);
  return encodeGraph({
    nodes: [
      { opType: 'Reshape', name: 'Reshape', input: ['input', 'shape_flat'], output: ['flattened'] },
      {
        opType: 'StringNormalizer',
        name: 'StringNormalizer',
        input: ['flattened'],
        output: ['normalized'],
        attribute: [attr.s('case_change_action', 'LOWER'), attr.i('is_case_sensitive', 0)],
      },
      {
        opType: 'Tokenizer',
        domain: 'com.microsoft',
        name: 'Tokenizer',
        input: ['normalized'],
        output: ['tokens'],
        attribute: [attr.i('mark', 0), attr.i('mincharnum', 1), attr.s('pad_value', '#'), attr.s('tokenexp', '[a-zA-Z0-9_]+')],
      },
      {
        opType: 'TfIdfVectorizer',
        name: 'TfIdfVectorizer',
        input: ['tokens'],
        output: ['tf'],
        attribute: [
          attr.i('max_gram_length', 1),
          attr.i('max_skip_count', 0),
          attr.i('min_gram_length', 1),
          attr.s('mode', 'TF'),
          attr.ints('ngram_counts', [0]),
          attr.ints(
            'ngram_indexes',
            p.vocabulary.map((_, i) => i),
          ),
          attr.strings('pool_strings', p.vocabulary),
        ],
      },
      { opType: 'Mul', name: 'Mul', input: ['tf', 'idf'], output: ['tfidf'] },
      { opType: 'Normalizer', domain: 'ai.onnx.ml', name: 'Normalizer', input: ['tfidf'], output: ['tfidf_normalized'], attribute: [attr.s('norm', 'L2')] },
      ...classifier.nodes,
    ],
    initializers: [int64Init('shape_flat', [1], [-1]), floatInit('idf', [v], p.idf)],
    inputs: [tensorValue('input', T.STRING, ['N', 1])],
    outputs: classifier.outputs,
    opsets: [
      { domain: '', version: 15 },
      { domain: 'ai.onnx.ml', version: 1 },
      { domain: 'com.microsoft', version: 1 },
    ],
  });
}

// ---------------------------------------------------------------- small models for datatypes and inputs

/** Two inputs (a FP32 [N,2], b FP32 [N,3]) → Concat(axis 1) → LinearRegressor → `variable` FP32 [N,1]. */
export function twoInputModel(coefficients: number[], intercept: number): Uint8Array {
  return encodeGraph({
    nodes: [
      { opType: 'Concat', name: 'Concat', input: ['a', 'b'], output: ['ab'], attribute: [attr.i('axis', 1)] },
      {
        opType: 'LinearRegressor',
        domain: 'ai.onnx.ml',
        name: 'LinearRegressor',
        input: ['ab'],
        output: ['variable'],
        attribute: [attr.floats('coefficients', coefficients), attr.floats('intercepts', [intercept]), attr.i('targets', 1)],
      },
    ],
    inputs: [tensorValue('a', T.FLOAT, ['N', 2]), tensorValue('b', T.FLOAT, ['N', 3])],
    outputs: [tensorValue('variable', T.FLOAT, ['N', 1])],
  });
}

/** FP16 in and out, as a half-precision PyTorch export: y = half(float(x) × w). */
export function fp16Model(weights: number[]): Uint8Array {
  return encodeGraph({
    nodes: [
      { opType: 'Cast', name: 'to_float', input: ['x'], output: ['xf'], attribute: [attr.i('to', T.FLOAT)] },
      { opType: 'Mul', name: 'Mul', input: ['xf', 'w'], output: ['yf'] },
      { opType: 'Cast', name: 'to_half', input: ['yf'], output: ['y'], attribute: [attr.i('to', T.FLOAT16)] },
    ],
    initializers: [floatInit('w', [weights.length], weights)],
    inputs: [tensorValue('x', T.FLOAT16, ['batch', weights.length])],
    outputs: [tensorValue('y', T.FLOAT16, ['batch', weights.length])],
    producer: 'pytorch',
  });
}

/** An INT64 input, as an embedding lookup: ids INT64 [N] → Gather(table [V, D]) → FP32 [N, D]. */
export function int64InputModel(table: number[][]): Uint8Array {
  const d = table[0]!.length;
  return encodeGraph({
    nodes: [{ opType: 'Gather', name: 'Gather', input: ['table', 'ids'], output: ['embedding'], attribute: [attr.i('axis', 0)] }],
    initializers: [floatInit('table', [table.length, d], table.flat())],
    inputs: [tensorValue('ids', T.INT64, ['N'])],
    outputs: [tensorValue('embedding', T.FLOAT, ['N', d])],
    producer: 'pytorch',
  });
}

/** Every OIP datatype ONNX Runtime carries, each through an Identity: in_<type> → out_<type>, shape [N, 2]. */
export const IDENTITY_TYPES = {
  BOOL: T.BOOL,
  INT8: T.INT8,
  INT16: T.INT16,
  INT32: T.INT32,
  INT64: T.INT64,
  UINT8: T.UINT8,
  UINT16: T.UINT16,
  UINT32: T.UINT32,
  UINT64: T.UINT64,
  FP16: T.FLOAT16,
  FP32: T.FLOAT,
  FP64: T.DOUBLE,
  BYTES: T.STRING,
} as const;

export function identityModel(): Uint8Array {
  const types = Object.entries(IDENTITY_TYPES);
  return encodeGraph({
    nodes: types.map(([name]) => ({ opType: 'Identity', name: `id_${name}`, input: [`in_${name}`], output: [`out_${name}`] })),
    inputs: types.map(([name, t]) => tensorValue(`in_${name}`, t, ['N', 2])),
    outputs: types.map(([name, t]) => tensorValue(`out_${name}`, t, ['N', 2])),
    opsets: [{ domain: '', version: 19 }],
  });
}

// ---------------------------------------------------------------- models that must not load

/** An operator no ONNX Runtime has. */
export function unknownOperatorModel(): Uint8Array {
  return encodeGraph({
    nodes: [{ opType: 'FrobnicateTensor', name: 'mystery', input: ['x'], output: ['y'] }],
    inputs: [tensorValue('x', T.FLOAT, ['N', 2])],
    outputs: [tensorValue('y', T.FLOAT, ['N', 2])],
  });
}

/** A default-domain opset newer than ONNX Runtime implements. */
export function futureOpsetModel(): Uint8Array {
  return encodeGraph({
    nodes: [{ opType: 'Identity', name: 'id', input: ['x'], output: ['y'] }],
    inputs: [tensorValue('x', T.FLOAT, ['N', 2])],
    outputs: [tensorValue('y', T.FLOAT, ['N', 2])],
    opsets: [{ domain: '', version: 99 }],
  });
}

/** A sequence output that is not a ZipMap: SequenceConstruct → seq(tensor(float)). */
export function sequenceOutputModel(): Uint8Array {
  return encodeGraph({
    nodes: [{ opType: 'SequenceConstruct', name: 'make_sequence', input: ['x', 'x'], output: ['pieces'] }],
    inputs: [tensorValue('x', T.FLOAT, ['N', 2])],
    outputs: [{ name: 'pieces', type: { sequenceType: { elemType: { tensorType: { elemType: T.FLOAT } } } } }],
  });
}

/** Write a model folder: `<root>/<name>/config.json` + `<version>/model.onnx`. */
export async function writeModelFolder(root: string, name: string, model: Uint8Array, config: object = { kind: 'onnx' }, version = '1'): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, version), { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await writeFile(join(dir, version, 'model.onnx'), model);
  return dir;
}
