import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start a worker thread from a module next to the caller
 * (`createWorker(new URL('./x-worker.js', import.meta.url))`).
 *
 * Built code runs `.js` files directly. When the module is TypeScript source
 * (tests, `tsx` runs), the worker is started with the tsx loader so the same
 * code path works without a build step.
 */
export function createWorker(url: URL, options: WorkerOptions = {}): Worker {
  let target = url;
  const execArgv = [...(options.execArgv ?? [])];
  if (url.pathname.endsWith('.js') && import.meta.url.endsWith('.ts')) {
    // Caller named the built file but we run from source: use the .ts sibling.
    target = new URL(url.href.replace(/\.js$/, '.ts'));
  }
  if (target.pathname.endsWith('.ts')) execArgv.push('--import', 'tsx');
  return new Worker(target, { ...options, execArgv });
}
