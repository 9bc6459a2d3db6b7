import { rtsError } from '../../../core/errors.js';

/**
 * The torchvision ResNet v1.5 architecture as plain data: which convolutions,
 * in which blocks, with which shapes. The summary and the ONNX builder both
 * walk this plan, so the parameter count that is reported is the one written.
 *
 * v1.5 = the stride of a downsampling bottleneck sits on its 3×3 conv (not on
 * the first 1×1), as in torchvision's `Bottleneck`.
 */

export const RESNET_DEPTHS = [18, 34, 50, 101, 152] as const;
export type ResnetDepth = (typeof RESNET_DEPTHS)[number];

export interface ResnetOptions {
  depth: ResnetDepth;
  /** Classes of the final fully connected layer. Default 1000 (ImageNet-1k). */
  numClasses?: number;
  /** Seed of the weight generator; same seed → same bytes. Default 0. */
  seed?: number;
  /** Width of the stem and first stage (torchvision: 64). Smaller widths make tiny test models. Default 64. */
  baseWidth?: number;
  /** Height and width of the declared input (and of the multiply-add count). Default 224. */
  imageSize?: number;
  /** Declare the input's height and width as symbolic (`H`, `W`) instead of `imageSize`. Default false. */
  dynamicSpatial?: boolean;
}

export type ResolvedResnetOptions = Required<ResnetOptions>;

export type BlockKind = 'basic' | 'bottleneck';

/** One convolution (no bias), always followed by a BatchNormalization. */
export interface ConvSpec {
  /** torchvision's module path of the conv, e.g. `layer1.0.conv2`, `layer2.0.downsample.0`. */
  name: string;
  /** torchvision's module path of the BatchNorm after it, e.g. `layer1.0.bn2`. */
  bnName: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: number;
}

export interface BlockSpec {
  /** e.g. `layer3.17` */
  name: string;
  kind: BlockKind;
  /** The residual branch, in order; a ReLU follows every conv+BN except the last. */
  convs: ConvSpec[];
  /** Projection shortcut (1×1 conv + BN) when the shape changes. */
  downsample?: ConvSpec;
}

export interface ResnetPlan {
  options: ResolvedResnetOptions;
  kind: BlockKind;
  /** 7×7/2 conv + BN + ReLU, then 3×3/2 max-pool. */
  stem: ConvSpec;
  blocks: BlockSpec[];
  fc: { name: string; inFeatures: number; outFeatures: number };
}

/** Blocks per stage, as in torchvision's `resnet18` … `resnet152`. */
const STAGES: Record<ResnetDepth, { kind: BlockKind; blocks: [number, number, number, number] }> = {
  18: { kind: 'basic', blocks: [2, 2, 2, 2] },
  34: { kind: 'basic', blocks: [3, 4, 6, 3] },
  50: { kind: 'bottleneck', blocks: [3, 4, 6, 3] },
  101: { kind: 'bottleneck', blocks: [3, 4, 23, 3] },
  152: { kind: 'bottleneck', blocks: [3, 8, 36, 3] },
};

const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

function positiveInt(value: number, what: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw rtsError('INVALID_INPUT', `${what} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

export function resolveResnetOptions(options: ResnetOptions): ResolvedResnetOptions {
  if (!(RESNET_DEPTHS as readonly number[]).includes(options.depth)) {
    throw rtsError('INVALID_INPUT', `ResNet depth must be one of ${RESNET_DEPTHS.join(', ')}, got ${options.depth}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw rtsError('INVALID_INPUT', `seed must be a non-negative integer, got ${seed}`);
  }
  return {
    depth: options.depth,
    numClasses: positiveInt(options.numClasses ?? 1000, 'numClasses', 1_000_000),
    seed,
    baseWidth: positiveInt(options.baseWidth ?? 64, 'baseWidth', 4096),
    // Below 32 pixels the five stride-2 steps leave nothing to pool.
    imageSize: Math.max(32, positiveInt(options.imageSize ?? 224, 'imageSize', 8192)),
    dynamicSpatial: options.dynamicSpatial ?? false,
  };
}

function conv(name: string, bnName: string, inChannels: number, outChannels: number, kernel: number, stride: number): ConvSpec {
  return { name, bnName, inChannels, outChannels, kernel, stride, pad: (kernel - 1) >> 1 };
}

/** The layer plan of a ResNet, following torchvision's `_make_layer`. */
export function resnetPlan(options: ResnetOptions): ResnetPlan {
  const resolved = resolveResnetOptions(options);
  const { kind, blocks: counts } = STAGES[resolved.depth];
  const expansion = EXPANSION[kind];
  const width = resolved.baseWidth;

  const stem = conv('conv1', 'bn1', 3, width, 7, 2);
  const blocks: BlockSpec[] = [];
  let inplanes = width;
  counts.forEach((count, stage) => {
    const planes = width << stage;
    for (let b = 0; b < count; b++) {
      const name = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const out = planes * expansion;
      const convs =
        kind === 'basic'
          ? [conv(`${name}.conv1`, `${name}.bn1`, inplanes, planes, 3, stride), conv(`${name}.conv2`, `${name}.bn2`, planes, planes, 3, 1)]
          : [
              conv(`${name}.conv1`, `${name}.bn1`, inplanes, planes, 1, 1),
              conv(`${name}.conv2`, `${name}.bn2`, planes, planes, 3, stride),
              conv(`${name}.conv3`, `${name}.bn3`, planes, out, 1, 1),
            ];
      const block: BlockSpec = { name, kind, convs };
      if (stride !== 1 || inplanes !== out) {
        block.downsample = conv(`${name}.downsample.0`, `${name}.downsample.1`, inplanes, out, 1, stride);
      }
      blocks.push(block);
      inplanes = out;
    }
  });
  return { options: resolved, kind, stem, blocks, fc: { name: 'fc', inFeatures: inplanes, outFeatures: resolved.numClasses } };
}

/** Spatial size after a conv or pool: floor((in + 2·pad − kernel) / stride) + 1. */
export function outSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

export interface ResnetSummary {
  depth: ResnetDepth;
  /** Trainable parameters: conv weights, BN weight and bias, FC weight and bias (BN running stats are buffers). */
  parameters: number;
  /** BN running means and variances (stored in the file, not trained). */
  buffers: number;
  /** Multiply-adds of the convolutions and the FC layer for one `imageSize`² image. */
  multiplyAdds: number;
  /** Weighted layers on the main path (convs + FC, projection shortcuts excluded): equals the depth. */
  layers: number;
  /** Convolutions including projection shortcuts. */
  convolutions: number;
  /** Bytes of float32 initializers the ONNX file holds (≈ its size). */
  weightBytes: number;
}

function convParameters(c: ConvSpec): number {
  return c.outChannels * c.inChannels * c.kernel * c.kernel;
}

/** Counts from the architecture alone; no weights are allocated. */
export function resnetSummary(options: ResnetOptions): ResnetSummary {
  const plan = resnetPlan(options);
  let parameters = 0;
  let buffers = 0;
  let multiplyAdds = 0;
  let layers = 0;
  let convolutions = 0;
  const addConv = (c: ConvSpec, size: number, mainPath: boolean): number => {
    const out = outSize(size, c.kernel, c.stride, c.pad);
    parameters += convParameters(c) + 2 * c.outChannels;
    buffers += 2 * c.outChannels;
    multiplyAdds += convParameters(c) * out * out;
    convolutions += 1;
    if (mainPath) layers += 1;
    return out;
  };

  let size = addConv(plan.stem, plan.options.imageSize, true);
  size = outSize(size, 3, 2, 1); // max-pool
  for (const block of plan.blocks) {
    const input = size;
    for (const c of block.convs) size = addConv(c, size, true);
    if (block.downsample) addConv(block.downsample, input, false);
  }
  parameters += plan.fc.inFeatures * plan.fc.outFeatures + plan.fc.outFeatures;
  multiplyAdds += plan.fc.inFeatures * plan.fc.outFeatures;
  layers += 1;
  return {
    depth: plan.options.depth,
    parameters,
    buffers,
    multiplyAdds,
    layers,
    convolutions,
    weightBytes: 4 * (parameters + buffers),
  };
}
