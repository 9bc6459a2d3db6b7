import { join } from 'node:path';
import { OnnxSessionPool, readOnnxMetadataProps } from '../../backends/onnx/index.js';
import { Batcher } from '../../core/batcher.js';
import type { ClassifyOptions, ImageClassifier, ImagePrediction } from '../../core/capabilities.js';
import { abortError, isRtsError, RtsError, rtsError } from '../../core/errors.js';
import type { InferOptions, Model, ModelKind, ModelLoadContext, ModelMetadata } from '../../core/model.js';
import { quote } from '../../core/quote.js';
import { topK } from '../../core/rank.js';
import { softmax } from '../../core/softmax.js';
import { describeSpec, elementCount, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { type RequestTimings, recordTiming } from '../../core/timings.js';
import { buildResnetVersion } from './build.js';
import { type ImageClassifierOptions, parseClassifierOptions, resolveLabelsPath, sessionDefaults } from './classifier-options.js';
import { formatLabel, type Label, loadLabels } from './labels.js';
import { preprocessImage } from './preprocess.js';
import { imageTensorShape, type PreprocessLimits } from './preprocess-spec.js';

/**
 * The `image-classifier` model kind: an ONNX image classifier (ResNet-152 by
 * default) served with server-side preprocessing and dynamic batching.
 *
 *   encoded image ─ preprocess (sharp, concurrently) ─▶ batcher ─▶ ONNX Runtime
 *   [B,3,224,224] ◀─ concatenated per batch ─┘   logits ─▶ softmax ─▶ top-k
 *
 * Tensor API (`infer`): one input, either the preprocessed FP32 tensor named
 * like the model's input, or `image`, BYTES [B] / [B,1] of encoded images.
 * Outputs `probabilities` FP32 [B, classes] (default) and `logits`.
 */
export const IMAGE_INPUT = 'image';
export const PROBABILITIES = 'probabilities';
export const LOGITS = 'logits';

export const imageClassifierKind: ModelKind = {
  kind: 'image-classifier',
  load: loadImageClassifier,
  build: buildResnetVersion,
};

async function loadImageClassifier(ctx: ModelLoadContext): Promise<Model> {
  const options = parseClassifierOptions(ctx.config.options, ctx.name);
  const labelsPath = resolveLabelsPath(options.labels, ctx.versionDir, ctx.modelDir);
  const labels = await loadLabels(labelsPath);
  const modelPath = join(ctx.versionDir, options.file);
  const modelProps = await readOnnxMetadataProps(modelPath);
  const pool = await OnnxSessionPool.open(modelPath, {
    ...sessionDefaults(options, ctx.settings),
    logger: ctx.logger,
    warmup: options.onnx.warmup,
  });
  try {
    const io = checkModelIo(pool, options, labels.length, ctx.config.batching.maxBatchSize);
    if (options.onnx.warmup && ctx.config.batching.maxBatchSize > 1) {
      // ONNX Runtime sizes its buffers on the first run of a shape: do it now for full batches.
      await pool.warmup(ctx.config.batching.maxBatchSize);
    }
    return new OnnxImageClassifier(ctx, options, pool, labels, io, weightFacts(modelProps));
  } catch (err) {
    await pool.close();
    throw err;
  }
}

interface ModelIo {
  input: TensorSpec;
  output: TensorSpec;
  classCount: number;
}

/** The model's input must take the preprocessed images and its output must score every label. */
function checkModelIo(pool: OnnxSessionPool, options: ImageClassifierOptions, labelCount: number, maxBatchSize: number): ModelIo {
  const spec = options.preprocessing;
  if (pool.inputs.length !== 1) {
    throw rtsError('CONFIG', `an image classifier needs a model with one input; this one has ${pool.inputs.map(describeSpec).join(', ')}`);
  }
  const input = pool.inputs[0]!;
  if (input.name !== spec.inputName) {
    throw rtsError('CONFIG', `the model's input is ${describeSpec(input)}; set options.preprocessing.inputName to "${input.name}"`);
  }
  const want = [-1, ...imageTensorShape(spec)];
  const fits = input.datatype === 'FP32' && input.shape.length === 4 && input.shape.every((d, i) => d === -1 || i === 0 || d === want[i]);
  if (!fits) {
    throw rtsError(
      'CONFIG',
      `the model's input ${describeSpec(input)} does not take ${spec.layout} FP32 [N,${want.slice(1).join(',')}] images (options.preprocessing)`,
    );
  }
  if (input.shape[0] !== -1 && !(input.shape[0] === 1 && maxBatchSize === 1)) {
    throw rtsError(
      'CONFIG',
      `the model's batch dimension is fixed at ${input.shape[0]}; export it with a dynamic batch dimension or set batching.maxBatchSize to 1`,
    );
  }

  const candidates = options.outputName ? pool.outputs.filter((o) => o.name === options.outputName) : pool.outputs;
  if (candidates.length !== 1) {
    throw rtsError(
      'CONFIG',
      options.outputName
        ? `the model has no output "${options.outputName}"; its outputs are ${pool.outputs.map(describeSpec).join(', ')}`
        : `the model has ${pool.outputs.length} outputs (${pool.outputs.map(describeSpec).join(', ')}); name the class scores with options.outputName`,
    );
  }
  const output = candidates[0]!;
  if (output.datatype !== 'FP32' || output.shape.length !== 2) {
    throw rtsError('CONFIG', `the model's output ${describeSpec(output)} is not FP32 [N, classes]`);
  }
  const classes = output.shape[1]!;
  if (classes !== -1 && classes !== labelCount) {
    throw rtsError('CONFIG', `the model scores ${classes} classes but the labels file has ${labelCount} labels`);
  }
  return { input, output, classCount: labelCount };
}

class OnnxImageClassifier implements ImageClassifier {
  readonly capability = 'image-classifier' as const;
  readonly name: string;
  readonly version: string;
  readonly kind = 'image-classifier';
  readonly metadata: ModelMetadata;
  readonly classCount: number;
  readonly defaultTopK: number;

  private readonly options: ImageClassifierOptions;
  private readonly pool: OnnxSessionPool;
  private readonly labels: Label[];
  private readonly io: ModelIo;
  private readonly ctx: ModelLoadContext;
  private readonly limits: PreprocessLimits;
  private readonly imageShape: number[];
  private readonly imageSize: number;
  private readonly batcher: Batcher<Float32Array, Float32Array>;
  /** Images admitted and not yet answered: decoding, queued or running. */
  private inPipeline = 0;
  private readonly pipelineLimit: number;
  private readonly retryAfterSeconds = 1;

  constructor(ctx: ModelLoadContext, options: ImageClassifierOptions, pool: OnnxSessionPool, labels: Label[], io: ModelIo, facts: Record<string, string>) {
    this.ctx = ctx;
    this.name = ctx.name;
    this.version = ctx.version;
    this.options = options;
    this.pool = pool;
    this.labels = labels;
    this.io = io;
    this.classCount = io.classCount;
    this.defaultTopK = Math.min(options.topK, io.classCount);
    this.limits = { maxPixels: options.maxPixels ?? ctx.settings.maxImagePixels };
    this.imageShape = imageTensorShape(options.preprocessing);
    this.imageSize = elementCount(this.imageShape);

    const { name, version } = ctx;
    const observer = ctx.observer;
    const batching = ctx.config.batching;
    this.batcher = new Batcher<Float32Array, Float32Array>({
      maxBatchSize: batching.maxBatchSize,
      maxQueueDelayMs: batching.maxQueueDelayMs,
      maxQueueSize: batching.maxQueueSize,
      concurrency: pool.instances,
      run: (items) => this.runBatch(items),
      onBatch: (size, seconds) => observer.batch?.(name, version, size, seconds),
      onQueueWait: (seconds) => observer.queueWait?.(name, version, seconds),
      onDepth: (depth) => observer.queueDepth?.(name, version, depth),
      onCancelled: () => observer.cancelled?.(name, version),
    });

    // Decoding comes before the batcher's queue, so admission must too, or
    // an overload piles up unbounded in front of the decoders (issue 11).
    this.pipelineLimit = batching.maxQueueSize + batching.maxBatchSize * pool.instances;

    const classes = io.classCount;
    const labelStrings = labels.map(formatLabel);
    this.metadata = {
      name,
      version,
      kind: this.kind,
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: io.input.name, datatype: 'FP32', shape: [-1, ...this.imageShape] },
        { name: IMAGE_INPUT, datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: PROBABILITIES, datatype: 'FP32', shape: [-1, classes] },
        { name: LOGITS, datatype: 'FP32', shape: [-1, classes] },
      ],
      maxBatchSize: batching.maxBatchSize,
      maxQueueSize: batching.maxQueueSize,
      properties: {
        provider: pool.provider,
        instances: String(pool.instances),
        intraOpNumThreads: String(sessionDefaults(options, ctx.settings).intraOpNumThreads),
        classes: String(classes),
        modelInput: `${io.input.name} [${io.input.shape.join(',')}]`,
        modelOutput: `${io.output.name} [${io.output.shape.join(',')}]`,
        preprocessing: describePreprocessing(options),
        maxImagePixels: String(this.limits.maxPixels),
        ...facts,
      },
      labels: { [PROBABILITIES]: labelStrings, [LOGITS]: labelStrings },
    };
  }

  async classify(images: Uint8Array[], options: ClassifyOptions): Promise<ImagePrediction[][]> {
    const k = options.topK;
    if (!Array.isArray(images) || images.length === 0) throw rtsError('INVALID_INPUT', 'no images to classify');
    const logits = await this.admit(images.length, async () => {
      // Announced to the batcher while decoding, so that concurrent requests still wait for
      // each other to batch, while a lone request does not wait at all.
      const arrived = this.batcher.expect(images.length);
      try {
        const tensors = await this.preprocessAll(images, options.signal, options.timings);
        const scored = this.score(tensors, options.signal, options.timings); // queues them synchronously
        arrived();
        return await scored;
      } finally {
        arrived();
      }
    });
    const started = performance.now();
    const predictions = logits.map((row) =>
      topK(this.probabilities(row), k).map(({ index, score }) => {
        const label = this.labels[index]!;
        const prediction: ImagePrediction = { index, label: label.label, probability: score };
        if (label.wnid !== undefined) prediction.wnid = label.wnid;
        return prediction;
      }),
    );
    this.ctx.observer.postprocess?.(this.name, this.version, logits.length, (performance.now() - started) / 1000);
    return predictions;
  }

  async infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    const wanted = options.outputs ?? [PROBABILITIES];
    for (const o of wanted) {
      if (o !== PROBABILITIES && o !== LOGITS) {
        throw rtsError('INVALID_INPUT', `unknown output ${quote(o)}; the outputs are "${PROBABILITIES}" and "${LOGITS}"`);
      }
    }
    const logits = await this.admit(imageCount(inputs), async () =>
      this.score(await this.inputImages(inputs, options.signal, options.timings), options.signal, options.timings),
    );
    const batch = logits.length;
    const classes = this.classCount;
    const started = performance.now();
    const outputs: Tensor[] = wanted.map((name) => {
      const data = new Float32Array(batch * classes);
      logits.forEach((row, i) => data.set(name === LOGITS ? row : this.probabilities(row), i * classes));
      return { name, datatype: 'FP32', shape: [batch, classes], data };
    });
    this.ctx.observer.postprocess?.(this.name, this.version, batch, (performance.now() - started) / 1000);
    return outputs;
  }

  async close(): Promise<void> {
    await this.batcher.close();
    await this.pool.close();
  }

  /**
   * Admit a request of `images` images for the whole pipeline, or refuse it
   * at once: 413 when it could never fit the queue, 503 + Retry-After when
   * the pipeline is full now. Nothing is decoded for a refused request.
   */
  private async admit<T>(images: number, work: () => Promise<T>): Promise<T> {
    if (images > this.batcher.capacity) {
      throw rtsError('PAYLOAD_TOO_LARGE', `${images} images in one request can never fit the model's queue of ${this.batcher.capacity}`, {
        details: { images, maxQueueSize: this.batcher.capacity },
      });
    }
    if (this.inPipeline > 0 && this.inPipeline + images > this.pipelineLimit) {
      throw rtsError('QUEUE_FULL', `the model's queue is full (${this.inPipeline} images in progress); retry later`, {
        retryAfterSeconds: this.retryAfterSeconds,
        details: { maxQueueSize: this.batcher.capacity },
      });
    }
    this.inPipeline += images;
    try {
      return await work();
    } finally {
      this.inPipeline -= images;
    }
  }

  /** Turn the one input tensor into preprocessed images. */
  private async inputImages(inputs: Tensor[], signal?: AbortSignal, timings?: RequestTimings): Promise<Float32Array[]> {
    const expected = `"${this.io.input.name}" FP32 [B,${this.imageShape.join(',')}] (preprocessed) or "${IMAGE_INPUT}" BYTES [B] (encoded images)`;
    if (!Array.isArray(inputs) || inputs.length !== 1) {
      throw rtsError('INVALID_INPUT', `give exactly one input: ${expected}`);
    }
    const t = inputs[0]!;
    const shape = Array.isArray(t.shape) ? t.shape : [];
    if (t.name === IMAGE_INPUT && t.datatype === 'BYTES') {
      const ok = (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) && Array.isArray(t.data) && t.data.length === shape[0];
      if (!ok || shape[0] === 0) {
        throw rtsError('INVALID_INPUT', `input "${IMAGE_INPUT}" must be BYTES [B] or [B,1] with B ≥ 1 encoded images, got shape [${shape.join(',')}]`);
      }
      return this.preprocessAll(t.data as Uint8Array[], signal, timings);
    }
    if (t.name === this.io.input.name && t.datatype === 'FP32') {
      const fits = shape.length === 4 && shape[0]! >= 1 && shape.slice(1).every((d, i) => d === this.imageShape[i]);
      if (!fits || !(t.data instanceof Float32Array) || t.data.length !== shape[0]! * this.imageSize) {
        throw rtsError(
          'INVALID_INPUT',
          `input "${t.name}" must be FP32 [B,${this.imageShape.join(',')}] with B ≥ 1 and matching data, got shape [${shape.join(',')}]`,
        );
      }
      const data = t.data;
      return Array.from({ length: shape[0]! }, (_, i) => data.slice(i * this.imageSize, (i + 1) * this.imageSize));
    }
    throw rtsError('INVALID_INPUT', `unknown input ${quote(t.name)} ${quote(t.datatype)}; expected ${expected}`);
  }

  /** Preprocess every image at once (sharp works on libuv's pool); reports each image's time. */
  private async preprocessAll(images: Uint8Array[], signal?: AbortSignal, timings?: RequestTimings): Promise<Float32Array[]> {
    if (signal?.aborted) throw abortError(signal);
    const { name, version, observer } = this.ctx;
    return Promise.all(
      images.map(async (bytes, i) => {
        const started = performance.now();
        try {
          const tensor = await preprocessImage(bytes, this.options.preprocessing, this.limits);
          const ms = performance.now() - started;
          observer.preprocess?.(name, version, ms / 1000);
          recordTiming(timings, 'preprocess', ms);
          return tensor;
        } catch (err) {
          throw images.length > 1 ? naming(err, i) : err;
        }
      }),
    );
  }

  /** Queue the request's images for batched inference; resolves with each image's logits. */
  private async score(tensors: Float32Array[], signal?: AbortSignal, timings?: RequestTimings): Promise<Float32Array[]> {
    if (signal?.aborted) {
      for (let i = 0; i < tensors.length; i++) this.ctx.observer.cancelled?.(this.name, this.version);
      throw abortError(signal, 'the request was cancelled before inference');
    }
    // One request, one queue entry group and one abort listener, however many images.
    return this.batcher.submitAll(tensors, signal, timings);
  }

  /** One batch: concatenate, run, split. */
  private async runBatch(items: Float32Array[]): Promise<Float32Array[]> {
    const batch = items.length;
    const data = new Float32Array(batch * this.imageSize);
    items.forEach((item, i) => data.set(item, i * this.imageSize));
    const [out] = await this.pool.run([{ name: this.io.input.name, datatype: 'FP32', shape: [batch, ...this.imageShape], data }], [this.io.output.name]);
    const classes = this.classCount;
    if (!out || !(out.data instanceof Float32Array) || out.data.length !== batch * classes) {
      throw rtsError('INFERENCE_FAILED', `the model returned ${out ? `shape [${out.shape.join(',')}]` : 'nothing'}; expected [${batch},${classes}]`);
    }
    const logits = out.data;
    return items.map((_, i) => logits.slice(i * classes, (i + 1) * classes));
  }

  private probabilities(row: Float32Array): Float32Array {
    return this.options.softmax ? softmax(row) : row;
  }
}

/** How many images a tensor request carries (its batch dimension; 1 when malformed: validation follows). */
function imageCount(inputs: Tensor[]): number {
  const n = Array.isArray(inputs) && inputs.length === 1 && Array.isArray(inputs[0]?.shape) ? Number(inputs[0]!.shape[0]) : 1;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Say which image of a request failed, keeping the error's code and status. */
function naming(err: unknown, index: number): unknown {
  if (!isRtsError(err)) return err;
  return new RtsError(err.code, err.statusCode, `image ${index}: ${err.message}`, {
    details: { ...err.details, image: index },
    cause: err,
  });
}

/**
 * What the model file says about its weights (ONNX metadata_props), for
 * metadata: rtscore's generated ResNets carry `weights: random`, so clients
 * (the demo page) can warn that their predictions mean nothing.
 */
function weightFacts(props: Record<string, string>): Record<string, string> {
  const facts: Record<string, string> = {};
  if (props.architecture) facts.architecture = props.architecture;
  if (props.weights) facts.weights = props.weights;
  if (props.weights === 'random') {
    facts.weightsNote =
      'generated (seeded random) weights, not trained: predictions are meaningless; add a pretrained ONNX export as a new version for real ones';
  }
  return facts;
}

function describePreprocessing(options: ImageClassifierOptions): string {
  const p = options.preprocessing;
  return (
    `resize shorter side to ${p.resizeShorter}, centre-crop ${p.crop}, ${p.channelOrder} ${p.layout}, ` +
    `× ${Number(p.scale.toPrecision(6))}, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}]`
  );
}
