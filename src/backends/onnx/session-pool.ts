import { stat } from 'node:fs/promises';
import { allocate, copyOf, isFixedSize } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { elementCount, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { ownsWholeBuffer, transferList, type WireTensor, type WorkerInit } from './messages.js';
import { type ExecutionProvider, type OnnxSessionOptions, type ResolvedSessionOptions, resolveSessionOptions } from './options.js';
import { SessionInstance } from './session-instance.js';
import { validateInputs, validateOutputNames } from './validate.js';

interface Job {
  inputs: WireTensor[];
  outputNames: string[];
  resolve: (outputs: Tensor[]) => void;
  reject: (err: Error) => void;
}

/** A worker place in the pool: its current instance, or none while it is being replaced. */
interface Slot {
  index: number;
  instance: SessionInstance | undefined;
  state: 'ready' | 'starting' | 'dead';
  /** Jobs only this slot may take (warm-ups). */
  pinned: Job[];
  /** A replacement being started (close() waits for it rather than killing a thread inside ONNX Runtime). */
  replacing?: Promise<void>;
}

/**
 * ONNX Runtime sessions of one model, each in its own worker thread. A run
 * goes to any idle instance and waits in a FIFO queue when all are busy.
 * Inputs are checked against the model's metadata on the calling thread.
 *
 * Input data moves to the worker without a copy when a typed array owns its
 * whole ArrayBuffer: that buffer is transferred, so the caller's array is
 * detached (length 0) once `run` has been called. Other inputs (views into a
 * larger buffer, shared memory) are copied first.
 */
export class OnnxSessionPool {
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** Where the model actually runs (after any `auto` fallback). */
  readonly provider: ExecutionProvider;

  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly logger: Logger;
  private readonly init: WorkerInit;
  private readonly options: ResolvedSessionOptions;
  private closing: Promise<void> | undefined;
  private drainWaiters: (() => void)[] = [];

  private constructor(options: ResolvedSessionOptions, init: WorkerInit, instances: SessionInstance[], logger: Logger) {
    const first = instances[0]!;
    this.options = options;
    this.init = init;
    this.logger = logger;
    this.inputs = first.info.inputs;
    this.outputs = first.info.outputs;
    this.provider = first.info.provider;
    this.slots = instances.map((instance, index) => ({ index, instance, state: 'ready', pinned: [] }));
    for (const slot of this.slots) this.watch(slot, slot.instance!);
  }

  /** Sessions in the pool (a dead one is replaced, so this does not change). */
  get instances(): number {
    return this.slots.length;
  }

  /** Load `modelPath` into `instances` sessions (in parallel) and, unless `warmup: false`, run each once. */
  static async open(modelPath: string, options: OnnxSessionOptions = {}): Promise<OnnxSessionPool> {
    const resolved = resolveSessionOptions(options);
    const logger = resolved.logger.child({ backend: 'onnxruntime', modelPath });
    const file = await stat(modelPath).catch(() => undefined);
    if (file === undefined || !file.isFile()) {
      throw rtsError('MODEL_LOAD_FAILED', `ONNX model file not found: ${modelPath}`);
    }
    const init: WorkerInit = {
      modelPath,
      ...(options.modelBytes === undefined ? {} : { modelBytes: options.modelBytes }),
      options: {
        executionProvider: resolved.executionProvider,
        intraOpNumThreads: resolved.intraOpNumThreads,
        interOpNumThreads: resolved.interOpNumThreads,
        graphOptimizationLevel: resolved.graphOptimizationLevel,
      },
    };
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: resolved.instances }, (_, i) => SessionInstance.start(i, init)));
    const instances = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(instances.map((i) => i.stop()));
      throw withCudaHint(failure.reason as Error, resolved.executionProvider);
    }

    const info = instances[0]!.info;
    if (info.fallbackReason !== undefined) {
      logger.warn(
        { requested: 'auto', provider: 'cpu', reason: info.fallbackReason },
        `CUDA execution provider unavailable, falling back to CPU: ${info.fallbackReason}`,
      );
    }
    const pool = new OnnxSessionPool(resolved, init, instances, logger);
    if (resolved.warmup) {
      try {
        await pool.warmup();
      } catch (err) {
        logger.warn({ err }, `warm-up run failed: ${(err as Error).message}`);
      }
    }
    logger.info(
      {
        provider: pool.provider,
        instances: pool.instances,
        intraOpNumThreads: resolved.intraOpNumThreads,
        loadSeconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        inputs: pool.inputs,
        outputs: pool.outputs,
      },
      'ONNX Runtime session ready',
    );
    return pool;
  }

  /** Instances running a request now. */
  get busyInstances(): number {
    return this.slots.filter((s) => s.instance?.busy === true).length;
  }

  /** Runs waiting for an instance. */
  get queuedRuns(): number {
    return this.queue.length;
  }

  /**
   * Run the model once. Inputs are validated against `inputs` first
   * (INVALID_INPUT naming what was expected); ONNX Runtime failures reject with
   * INFERENCE_FAILED. Outputs come in the order of `outputNames` (default: all).
   */
  async run(inputs: Tensor[], outputNames?: string[]): Promise<Tensor[]> {
    if (this.closing !== undefined) throw rtsError('SHUTTING_DOWN', 'the ONNX Runtime session pool is closed');
    validateInputs(this.inputs, inputs);
    const names = validateOutputNames(this.outputs, outputNames);
    return this.enqueue(inputs.map(toWire), names);
  }

  /**
   * Run every instance once with zeros shaped by the input metadata: a leading
   * variable dimension becomes `batchSize`, other variable dimensions 1.
   */
  async warmup(batchSize = 1): Promise<void> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw rtsError('INVALID_INPUT', `warm-up batch size must be a positive integer, got ${batchSize}`);
    }
    await Promise.all(
      this.slots
        .filter((s) => s.state === 'ready')
        .map((slot) =>
          this.enqueue(
            zeroInputs(this.inputs, batchSize),
            this.outputs.map((o) => o.name),
            slot,
          ),
        ),
    );
  }

  /** Stop taking runs, wait for queued and in-flight ones, then end the workers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drained();
      await Promise.all(this.slots.map((slot) => slot.replacing));
      await Promise.all(
        this.slots.map(async (slot) => {
          const instance = slot.instance;
          slot.instance = undefined;
          slot.state = 'dead';
          await instance?.stop();
        }),
      );
      this.logger.debug('ONNX Runtime session pool closed');
    })();
    return this.closing;
  }

  private enqueue(inputs: WireTensor[], outputNames: string[], slot?: Slot): Promise<Tensor[]> {
    return new Promise((resolve, reject) => {
      const job: Job = { inputs, outputNames, resolve, reject };
      if (slot === undefined) this.queue.push(job);
      else slot.pinned.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      const instance = slot.instance;
      if (slot.state !== 'ready' || instance === undefined || instance.busy) continue;
      const job = slot.pinned.shift() ?? this.queue.shift();
      if (job === undefined) continue;
      instance
        .run(job.inputs, job.outputNames, transferList(job.inputs))
        .then(
          (outputs) => job.resolve(outputs),
          (err: Error) => job.reject(err),
        )
        .finally(() => this.dispatch());
    }
    this.notifyIfDrained();
  }

  private isDrained(): boolean {
    return this.queue.length === 0 && this.slots.every((s) => s.pinned.length === 0 && s.instance?.busy !== true);
  }

  private drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private notifyIfDrained(): void {
    if (this.drainWaiters.length === 0 || !this.isDrained()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Replace an instance whose thread died; its run in flight was already rejected. */
  private watch(slot: Slot, instance: SessionInstance): void {
    instance.onUnexpectedExit = (reason) => {
      // Also while closing: queued runs still need an instance to finish.
      if (slot.instance !== instance || slot.state === 'dead') return;
      this.logger.error({ instance: slot.index, reason }, 'ONNX Runtime worker died; starting a replacement');
      slot.instance = undefined;
      slot.state = 'starting';
      slot.replacing = this.replace(slot).finally(() => {
        slot.replacing = undefined;
      });
    };
  }

  private async replace(slot: Slot): Promise<void> {
    let instance: SessionInstance;
    try {
      instance = await SessionInstance.start(slot.index, this.init);
      if (this.options.warmup) {
        const zeros = zeroInputs(this.inputs, 1);
        await instance
          .run(
            zeros,
            this.outputs.map((o) => o.name),
            transferList(zeros),
          )
          .catch((err: Error) => {
            this.logger.warn({ instance: slot.index, err }, `warm-up run failed: ${err.message}`);
          });
      }
      if (!instance.alive) throw new Error('the new worker stopped during its warm-up run');
    } catch (err) {
      this.logger.error({ instance: slot.index, err }, `could not replace ONNX Runtime worker: ${(err as Error).message}`);
      slot.state = 'dead';
      this.failIfNoInstances();
      return;
    }
    slot.instance = instance;
    slot.state = 'ready';
    this.watch(slot, instance);
    this.logger.info({ instance: slot.index }, 'ONNX Runtime worker replaced');
    this.dispatch();
  }

  /** With every slot dead nothing would ever take the queued runs: reject them. */
  private failIfNoInstances(): void {
    for (const slot of this.slots) {
      if (slot.state === 'dead') {
        for (const job of slot.pinned.splice(0)) job.reject(rtsError('INFERENCE_FAILED', 'its ONNX Runtime worker is gone'));
      }
    }
    if (this.slots.every((s) => s.state === 'dead')) {
      for (const job of this.queue.splice(0)) job.reject(rtsError('INFERENCE_FAILED', 'no ONNX Runtime worker is left to run the model'));
    }
    this.notifyIfDrained();
  }
}

/** Transferable form of a validated input: whole-buffer arrays go as they are, others are copied. */
function toWire(t: Tensor): WireTensor {
  const shape = [...t.shape];
  if (Array.isArray(t.data) || !isFixedSize(t.datatype)) return { name: t.name, datatype: t.datatype, shape, data: t.data };
  const data = ownsWholeBuffer(t.data) ? t.data : copyOf(t.datatype, t.data);
  return { name: t.name, datatype: t.datatype, shape, data };
}

function zeroInputs(specs: readonly TensorSpec[], batchSize: number): WireTensor[] {
  return specs.map((spec) => {
    const shape = spec.shape.map((d, i) => (d >= 0 ? d : i === 0 ? batchSize : 1));
    const n = elementCount(shape);
    const data = isFixedSize(spec.datatype) ? allocate(spec.datatype, n) : Array.from({ length: n }, () => new Uint8Array(0));
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
}

function withCudaHint(err: Error, provider: ResolvedSessionOptions['executionProvider']): Error {
  if (provider !== 'cuda') return err;
  err.message +=
    ' (the CUDA provider needs onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12 and a GPU; ' +
    "use executionProvider 'auto' to fall back to CPU)";
  return err;
}
