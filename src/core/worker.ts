import { parentPort, Worker, type WorkerOptions, workerData } from 'node:worker_threads';
import { type ErrorKind, isRtsError, RtsError, rtsError } from './errors.js';

/**
 * Start a worker thread from a module next to the caller
 * (`createWorker(new URL('./x-worker.js', import.meta.url))`).
 *
 * Built code runs `.js` files directly. When the module is TypeScript source
 * (tests, `tsx` runs), the worker first registers tsx's loader and then
 * imports the module — `execArgv: ['--import', 'tsx']` does not reach worker
 * threads on Node 20.
 */
export function createWorker(url: URL, options: WorkerOptions = {}): Worker {
  let target = url;
  if (url.pathname.endsWith('.js') && import.meta.url.endsWith('.ts')) {
    // Caller named the built file but we run from source: use the .ts sibling.
    target = new URL(url.href.replace(/\.js$/, '.ts'));
  }
  if (target.pathname.endsWith('.ts')) {
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(target.href)}); })`;
    return new Worker(bootstrap, { ...options, eval: true });
  }
  return new Worker(target, options);
}

/** The one-shot job protocol, worker → caller: progress events, then one result or one error. */
export type JobMessage<R, P> =
  | { type: 'progress'; progress: P }
  | { type: 'done'; result: R }
  | { type: 'error'; message: string; code?: string; statusCode?: number };

export interface WorkerJobOptions<P> {
  /** What the job does, for messages ("training", "generating resnet152"). */
  what: string;
  /** The error kind of a failure that is not already an RtsError (default INTERNAL). */
  failure?: ErrorKind;
  onProgress?: (progress: P) => void;
}

/**
 * Run one job in a worker thread started from `url` (see `createWorker`), whose module calls
 * `serveWorkerJob`. Resolves with its result; an RtsError thrown in the worker comes back with
 * its code and status, anything else as `failure`. The worker is terminated once settled.
 */
export function runWorkerJob<R, P = never>(url: URL, workerData: unknown, options: WorkerJobOptions<P>): Promise<R> {
  const failure = options.failure ?? 'INTERNAL';
  return new Promise((resolve, reject) => {
    const worker = createWorker(url, { workerData });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: JobMessage<R, P>) => {
      if (m.type === 'progress') options.onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else {
        finish(() =>
          reject(m.code && m.statusCode ? new RtsError(m.code, m.statusCode, m.message) : rtsError(failure, `${options.what} failed: ${m.message}`)),
        );
      }
    });
    worker.on('error', (err) => finish(() => reject(rtsError(failure, `${options.what} worker failed: ${err.message}`, { cause: err }))));
    worker.on('exit', (code) => finish(() => reject(rtsError(failure, `${options.what} worker exited with code ${code} before finishing`))));
  });
}

/**
 * The worker side of `runWorkerJob`: run `job` on the worker's data, post its progress and then
 * its result (moving the buffers `transfer` names) or its error, keeping an RtsError's code.
 */
export function serveWorkerJob<D, R, P = never>(
  job: (data: D, progress: (p: P) => void) => R | Promise<R>,
  transfer: (result: R) => ArrayBuffer[] = () => [],
): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorkerJob must run in a worker thread');
  const post = (m: JobMessage<R, P>, list: ArrayBuffer[] = []): void => port.postMessage(m, list);
  Promise.resolve()
    .then(() => job(workerData as D, (progress) => post({ type: 'progress', progress })))
    .then((result) => post({ type: 'done', result }, transfer(result)))
    .catch((err: unknown) =>
      post(
        isRtsError(err)
          ? { type: 'error', code: err.code, statusCode: err.statusCode, message: err.message }
          : { type: 'error', message: err instanceof Error ? err.message : String(err) },
      ),
    );
}
