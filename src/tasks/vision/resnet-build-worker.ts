/**
 * Worker thread entry: writes a generated ResNet ONNX file off the main thread (encoding 240 MB
 * of weights would otherwise stall health checks while a server builds it); see build.ts.
 */
import { serveWorkerJob } from '../../core/worker.js';
import { writeResnetModel } from './resnet/index.js';

type BuildJob = { path: string; options: Parameters<typeof writeResnetModel>[1] };

serveWorkerJob<BuildJob, Awaited<ReturnType<typeof writeResnetModel>>, string>(({ path, options }, progress) =>
  writeResnetModel(path, { ...options, onProgress: progress }),
);
