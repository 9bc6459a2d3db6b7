import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { isRtsError } from '../../core/errors.js';
import { type PrepareOptions, prepareModel } from './prepare.js';

/**
 * Reads and prepares a model file off the main thread: decoding (and, after
 * a fix, re-encoding) a large graph with protobufjs takes seconds that must
 * not stall requests to the models already served (load-prepared.ts).
 */
const { path, options } = workerData as { path: string; options: PrepareOptions };

async function main(): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    parentPort!.postMessage({ unreadable: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    return;
  }
  try {
    const prepared = prepareModel(bytes, path, options);
    parentPort!.postMessage({ prepared }, prepared.bytes ? [prepared.bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    parentPort!.postMessage({
      error: isRtsError(err) ? { code: err.code, statusCode: err.statusCode, message: err.message } : { message: (err as Error).message },
    });
  }
}

void main();
