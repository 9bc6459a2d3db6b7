import { Worker, type WorkerOptions } from 'node:worker_threads';

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
