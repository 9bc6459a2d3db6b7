import type { Worker } from 'node:worker_threads';
import { rtsError } from '../../core/errors.js';
import { createWorker } from '../../core/worker.js';
import type { FromWorker, ToWorker, WireTensor, WorkerInit } from './messages.js';

export type ReadyInfo = Extract<FromWorker, { type: 'ready' }>;

interface Pending {
  id: number;
  resolve: (outputs: WireTensor[]) => void;
  reject: (err: Error) => void;
}

/**
 * One worker thread holding one ONNX Runtime session, running one request at
 * a time. If the thread dies, the run in flight is rejected (never left
 * hanging) and `onUnexpectedExit` tells the pool to replace it.
 */
export class SessionInstance {
  private current: Pending | undefined;
  private nextId = 1;
  private stopping = false;
  private exited = false;
  private lastError: string | undefined;
  private readonly exitPromise: Promise<number>;
  onUnexpectedExit: ((reason: string) => void) | undefined;

  private constructor(
    readonly index: number,
    private readonly worker: Worker,
    readonly info: ReadyInfo,
  ) {
    this.exitPromise = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => {
      this.lastError = err.message;
    });
    worker.once('exit', (code) => this.onExit(code));
  }

  /** Start a worker and wait until its session is loaded; MODEL_LOAD_FAILED otherwise. */
  static start(index: number, init: WorkerInit): Promise<SessionInstance> {
    const worker = createWorker(new URL('./session-worker.js', import.meta.url), { workerData: init });
    return new Promise((resolve, reject) => {
      let lastError: string | undefined;
      const fail = (why: string): void => {
        cleanup();
        void worker.terminate();
        reject(rtsError('MODEL_LOAD_FAILED', `ONNX Runtime could not load ${init.modelPath}: ${why}`));
      };
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === 'ready') {
          cleanup();
          resolve(new SessionInstance(index, worker, msg));
        } else if (msg.type === 'load-error') {
          fail(msg.message);
        }
      };
      const onError = (err: Error): void => {
        lastError = err.message;
      };
      const onExit = (code: number): void => fail(lastError ?? `its worker thread exited with code ${code}`);
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  get alive(): boolean {
    return !this.exited && !this.stopping;
  }

  /** Run once; the caller (the pool) sends one run at a time. Transferred buffers are detached here. */
  run(inputs: WireTensor[], outputNames: string[], transfer: ArrayBuffer[]): Promise<WireTensor[]> {
    if (this.current !== undefined) throw new Error(`session instance ${this.index} is busy`);
    if (!this.alive) return Promise.reject(rtsError('INFERENCE_FAILED', `ONNX Runtime worker ${this.index} is not running`));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.current = { id, resolve, reject };
      const msg: ToWorker = { type: 'run', id, inputs, outputNames };
      try {
        this.worker.postMessage(msg, transfer);
      } catch (err) {
        this.current = undefined;
        reject(rtsError('INFERENCE_FAILED', `could not send the inputs to ONNX Runtime: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /** Release the session and end the thread (terminated if it does not end within `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    const msg: ToWorker = { type: 'close' };
    this.worker.postMessage(msg);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exitPromise, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') await this.worker.terminate();
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type !== 'result' && msg.type !== 'run-error') return;
    const pending = this.current;
    if (pending === undefined || pending.id !== msg.id) return;
    this.current = undefined;
    if (msg.type === 'result') pending.resolve(msg.outputs);
    else pending.reject(rtsError('INFERENCE_FAILED', `ONNX Runtime failed to run the model: ${msg.message}`));
  }

  private onExit(code: number): void {
    this.exited = true;
    const reason = this.lastError ?? `exit code ${code}`;
    const pending = this.current;
    this.current = undefined;
    pending?.reject(rtsError('INFERENCE_FAILED', `ONNX Runtime worker ${this.index} stopped during the run (${reason})`));
    if (!this.stopping) this.onUnexpectedExit?.(reason);
  }
}
