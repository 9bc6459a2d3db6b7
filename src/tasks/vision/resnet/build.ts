import onnxProto from 'onnx-proto';
import { type ConvSpec, type ResnetOptions, type ResnetPlan, resnetPlan, resnetSummary } from './architecture.js';
import { calibrationImages } from './calibration.js';
import { type Activation, addInPlace, batchNormInPlace, channelMoments, conv2d, globalAveragePool, maxPool3x3s2, reluInPlace } from './forward.js';
import { SeededRandom } from './random.js';

const { onnx } = onnxProto;

/**
 * Writes a torchvision ResNet v1.5 as an ONNX ModelProto (opset 13) with
 * seeded weights, using onnx-proto's generated encoder for the official
 * schema. Initializer names follow torchvision's `state_dict` keys
 * (`layer3.5.conv2.weight`, `layer3.5.bn2.running_var`, `fc.bias`, …).
 *
 * BatchNorm running statistics are calibrated the way trained networks get
 * theirs: from data. While the graph is written, a batch of synthetic images
 * (calibration.ts) flows through the layers built so far, and each BN records
 * the mean and variance of what reaches it. Every BN then re-normalises its
 * input as in a trained network, so activations keep their scale over all
 * 152 layers (with default 0/1 statistics they would grow without bound).
 */

export const RESNET_OPSET = 13;
export const RESNET_IR_VERSION = 8;
export const RESNET_INPUT = 'input';
export const RESNET_OUTPUT = 'logits';

/** BN scale of the last BN of each residual branch, relative to the others (cf. zero-init residuals). */
const RESIDUAL_BN_SCALE = 0.2;
const BN_EPSILON = 1e-5;
/** Calibration images: 2 of 64×64 (layer4 still sees 2×2 positions each). */
const CALIBRATION_BATCH = 2;
const CALIBRATION_SIZE = 64;
/**
 * Pseudo-samples of the variance prior: deep layers see few calibration
 * positions (layer4: 8), so their variance estimate is blended with the value
 * the layer's weights imply for independent inputs (Σ_c var[c]·Σ_k w²).
 * 64 gave the closest match to real photos at 224×224 (checked with
 * torchvision on Debian's darknet sample photos: median ratio of actual to
 * running variance 0.8–1.1 in layers 1–2, 1.5 in layer3, 2.5 in layer4 of
 * ResNet-152; a purely analytic estimate, without calibration, drifted to
 * ratios of 200 and more).
 */
const PRIOR_SAMPLES = 64;
/** FC weights ~ N(0, 0.01²), as torchvision initialises several classifiers. */
const FC_STD = 0.01;

/** Float32 values as little-endian bytes; a view (no copy) on little-endian hosts. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function rawBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

type Dim = number | string;

function valueInfo(name: string, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const ints = (name: string, values: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name: string, value: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
const float = (name: string, value: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value });

/** A graph value and, alongside, its activations on the calibration batch. */
interface Value {
  name: string;
  act: Activation;
}

/** Accumulates nodes and initializers while the calibration batch flows through the layers. */
class GraphWriter {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly onLayer?: (name: string) => void,
  ) {}

  private initializer(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: rawBytes(values) });
    return name;
  }

  private node(opType: string, name: string, inputs: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType, name, input: inputs, output: [output], attribute });
    return output;
  }

  /**
   * Conv (Kaiming-normal, fan-out, as torchvision) followed by a
   * BatchNormalization whose running stats are measured on the calibration batch.
   */
  convBn(c: ConvSpec, input: Value, bnScale = 1): Value {
    this.onLayer?.(c.name);
    const area = c.kernel * c.kernel;
    const weight = this.random.fillNormal(new Float32Array(c.outChannels * c.inChannels * area), Math.sqrt(2 / (c.outChannels * area)));
    const w = this.initializer(`${c.name}.weight`, [c.outChannels, c.inChannels, c.kernel, c.kernel], weight);
    const convOut = this.node('Conv', c.name, [input.name, w], c.name, [
      ints('dilations', [1, 1]),
      int('group', 1),
      ints('kernel_shape', [c.kernel, c.kernel]),
      ints('pads', [c.pad, c.pad, c.pad, c.pad]),
      ints('strides', [c.stride, c.stride]),
    ]);

    const act = conv2d(input.act, weight, c.outChannels, c.kernel, c.stride, c.pad);
    const { runningMean, runningVar } = bnStatistics(input.act, act, weight, c.inChannels, area);
    // Trained BN layers have scales spread around 1 and small shifts.
    const scale = new Float32Array(c.outChannels);
    const bias = new Float32Array(c.outChannels);
    for (let o = 0; o < c.outChannels; o++) {
      scale[o] = bnScale * (0.75 + 0.5 * this.random.uniform());
      bias[o] = 0.05 * this.random.normal() * bnScale;
    }
    batchNormInPlace(act, scale, bias, runningMean, runningVar, BN_EPSILON);
    const bn = this.node(
      'BatchNormalization',
      c.bnName,
      [
        convOut,
        this.initializer(`${c.bnName}.weight`, [c.outChannels], scale),
        this.initializer(`${c.bnName}.bias`, [c.outChannels], bias),
        this.initializer(`${c.bnName}.running_mean`, [c.outChannels], runningMean),
        this.initializer(`${c.bnName}.running_var`, [c.outChannels], runningVar),
      ],
      c.bnName,
      [float('epsilon', BN_EPSILON), float('momentum', 0.9)],
    );
    return { name: bn, act };
  }

  relu(name: string, input: Value): Value {
    return { name: this.node('Relu', name, [input.name], name), act: reluInPlace(input.act) };
  }

  maxPool(name: string, input: Value): Value {
    const out = this.node('MaxPool', name, [input.name], name, [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])]);
    return { name: out, act: maxPool3x3s2(input.act) };
  }

  /** a + b; a's activations are reused for the sum. */
  add(name: string, a: Value, b: Value): Value {
    return { name: this.node('Add', name, [a.name, b.name], name), act: addInPlace(a.act, b.act) };
  }

  /**
   * GlobalAveragePool → Flatten → Gemm with small weights. The bias cancels
   * the logits' average offset over the calibration images (Σ_c w[j,c]·E[f_c]),
   * so that the top classes depend on the image rather than on which rows of
   * a random matrix happen to be largest.
   */
  classifier(input: Value, output: string, inFeatures: number, outFeatures: number): void {
    this.onLayer?.('fc');
    const pooled = this.node('GlobalAveragePool', 'avgpool', [input.name], 'avgpool');
    const flat = this.node('Flatten', 'flatten', [pooled], 'flatten', [int('axis', 1)]);
    const features = globalAveragePool(input.act);
    const batch = input.act.batch;
    const meanFeature = new Float64Array(inFeatures);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < inFeatures; c++) meanFeature[c] = meanFeature[c]! + features[b * inFeatures + c]! / batch;
    }
    const weight = this.random.fillNormal(new Float32Array(outFeatures * inFeatures), FC_STD);
    const bias = new Float32Array(outFeatures);
    for (let j = 0; j < outFeatures; j++) {
      let offset = 0;
      for (let c = 0; c < inFeatures; c++) offset += weight[j * inFeatures + c]! * meanFeature[c]!;
      bias[j] = -offset;
    }
    this.node(
      'Gemm',
      'fc',
      [flat, this.initializer('fc.weight', [outFeatures, inFeatures], weight), this.initializer('fc.bias', [outFeatures], bias)],
      output,
      [float('alpha', 1), float('beta', 1), int('transB', 1)],
    );
  }
}

/**
 * Running mean: the measured mean. Running variance: the measured variance,
 * blended with the independent-input prior when few positions were measured.
 */
function bnStatistics(
  input: Activation,
  output: Activation,
  weight: Float32Array,
  inChannels: number,
  area: number,
): { runningMean: Float32Array; runningVar: Float32Array } {
  const measured = channelMoments(output);
  const inputVar = channelMoments(input).variance;
  const channels = output.channels;
  const runningMean = new Float32Array(channels);
  const runningVar = new Float32Array(channels);
  const n = measured.count;
  let i = 0;
  for (let o = 0; o < channels; o++) {
    let prior = 0;
    for (let c = 0; c < inChannels; c++) {
      let s2 = 0;
      for (let k = 0; k < area; k++, i++) s2 += weight[i]! * weight[i]!;
      prior += inputVar[c]! * s2;
    }
    runningMean[o] = measured.mean[o]!;
    runningVar[o] = Math.max((n * measured.variance[o]! + PRIOR_SAMPLES * prior) / (n + PRIOR_SAMPLES), BN_EPSILON);
  }
  return { runningMean, runningVar };
}

export interface BuildResnetOptions extends ResnetOptions {
  /** Called as each weighted layer is generated (`conv1`, `layer3.17.conv2`, `fc`). */
  onLayer?: (name: string, index: number, total: number) => void;
}

/** The ModelProto as a plain object (weights as raw_data views); `buildResnetModel` encodes it. */
export function resnetModelProto(options: BuildResnetOptions): onnxProto.onnx.IModelProto {
  const plan: ResnetPlan = resnetPlan(options);
  const { depth, seed, baseWidth, numClasses, imageSize, dynamicSpatial } = plan.options;
  const summary = resnetSummary(plan.options);
  const total = summary.convolutions + 1;
  let index = 0;
  const random = new SeededRandom(seed);
  const g = new GraphWriter(random, (name) => options.onLayer?.(name, index++, total));

  // Stem: conv1 → bn1 → relu → maxpool
  let x: Value = { name: RESNET_INPUT, act: calibrationImages(random, CALIBRATION_BATCH, CALIBRATION_SIZE) };
  x = g.maxPool('maxpool', g.relu('relu', g.convBn(plan.stem, x)));

  for (const block of plan.blocks) {
    const identity = x;
    let y = x;
    block.convs.forEach((c, i) => {
      const last = i === block.convs.length - 1;
      y = g.convBn(c, y, last ? RESIDUAL_BN_SCALE : 1);
      if (!last) y = g.relu(`${block.name}.relu${i + 1}`, y);
    });
    const shortcut = block.downsample ? g.convBn(block.downsample, identity) : identity;
    x = g.relu(block.name, g.add(`${block.name}.add`, y, shortcut));
  }
  g.classifier(x, RESNET_OUTPUT, plan.fc.inFeatures, plan.fc.outFeatures);

  const spatial: Dim[] = dynamicSpatial ? ['H', 'W'] : [imageSize, imageSize];
  const name = `resnet${depth}`;
  return {
    irVersion: RESNET_IR_VERSION,
    opsetImport: [{ domain: '', version: RESNET_OPSET }],
    producerName: 'rtscore',
    producerVersion: '1',
    modelVersion: 1,
    docString:
      `torchvision ResNet-${depth} v1.5 architecture with seeded random weights (seed ${seed}), ` +
      `not trained: for tests, benchmarks and demos. Input ${RESNET_INPUT}: N×3×${dynamicSpatial ? 'H×W' : `${imageSize}×${imageSize}`} ` +
      `float32, ImageNet-normalised RGB; output ${RESNET_OUTPUT}: N×${numClasses}.`,
    graph: {
      name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(RESNET_INPUT, ['N', 3, ...spatial])],
      output: [valueInfo(RESNET_OUTPUT, ['N', numClasses])],
    },
    metadataProps: [
      { key: 'architecture', value: `resnet${depth}-v1.5` },
      { key: 'depth', value: String(depth) },
      { key: 'seed', value: String(seed) },
      { key: 'base_width', value: String(baseWidth) },
      { key: 'num_classes', value: String(numClasses) },
      { key: 'parameters', value: String(summary.parameters) },
      { key: 'weights', value: 'random' },
    ],
  };
}

/** The encoder's output before it is copied into one buffer (see stream-encode.ts). */
export function encodeResnetModel(options: BuildResnetOptions): ReturnType<typeof onnx.ModelProto.encode> {
  return onnx.ModelProto.encode(resnetModelProto(options));
}

/** ONNX bytes of a seeded ResNet, in one buffer. */
export function buildResnetModel(options: BuildResnetOptions): Uint8Array {
  return encodeResnetModel(options).finish();
}
