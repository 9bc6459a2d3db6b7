import { RtsError, rtsError } from '../../core/errors.js';
import { createWorker } from '../../core/worker.js';
import type { PreparedModel, PrepareOptions } from './prepare.js';

type Reply = { prepared: PreparedModel } | { unreadable: string } | { error: { code?: string; statusCode?: number; message: string } };

/**
 * Read an ONNX file and apply the load-time fixes (prepare.ts) in a worker
 * thread; resolves with what `prepareModel` returns, rejects with its error.
 */
export function readAndPrepare(path: string, options: PrepareOptions, what: string): Promise<PreparedModel> {
  return new Promise((resolve, reject) => {
    const worker = createWorker(new URL('./prepare-worker.js', import.meta.url), { workerData: { path, options } });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (reply: Reply) =>
      settle(() => {
        if ('prepared' in reply) resolve(reply.prepared);
        else if ('unreadable' in reply)
          reject(rtsError('MODEL_LOAD_FAILED', `${what}: cannot read ${path} (${reply.unreadable}); put the exported model there or set options.file`));
        else if (reply.error.code !== undefined && reply.error.statusCode !== undefined)
          reject(new RtsError(reply.error.code, reply.error.statusCode, reply.error.message));
        else reject(rtsError('MODEL_LOAD_FAILED', `${what}: ${reply.error.message}`));
      }),
    );
    worker.once('error', (err) => settle(() => reject(rtsError('MODEL_LOAD_FAILED', `${what}: reading ${path} failed: ${err.message}`))));
    worker.once('exit', (code) => settle(() => reject(rtsError('MODEL_LOAD_FAILED', `${what}: the worker reading ${path} exited with code ${code}`))));
  });
}
