/** Worker thread entry: fit one text pipeline (see fit.ts) and post the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { isRtsError } from '../../../core/errors.js';
import { fitPipeline, type FitJob, type FitResult } from './fit.js';

const port = parentPort;
if (!port) throw new Error('fit-worker must run in a worker thread');

try {
  const job = workerData as FitJob;
  const { pipeline: _p, ...result } = fitPipeline(job, (event) => port.postMessage({ type: 'progress', event }));
  const transfer: ArrayBuffer[] = [result.bytes.buffer as ArrayBuffer];
  if (result.evalProba) transfer.push(result.evalProba.buffer as ArrayBuffer);
  port.postMessage({ type: 'done', result: result satisfies FitResult }, transfer);
} catch (err) {
  port.postMessage(isRtsError(err)
    ? { type: 'error', code: err.code, statusCode: err.statusCode, message: err.message }
    : { type: 'error', message: err instanceof Error ? err.message : String(err) });
}
