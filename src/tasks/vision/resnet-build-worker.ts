import { parentPort, workerData } from 'node:worker_threads';
import { writeResnetModel } from './resnet/index.js';

/**
 * Writes a generated ResNet ONNX file off the main thread (encoding 240 MB of
 * weights would otherwise stall health checks while a server builds it).
 */
const { path, options } = workerData as { path: string; options: Parameters<typeof writeResnetModel>[1] };
writeResnetModel(path, { ...options, onProgress: (msg: string) => parentPort?.postMessage({ progress: msg }) })
  .then((result) => parentPort?.postMessage({ result }))
  .catch((err: Error) => parentPort?.postMessage({ error: err.message }));
