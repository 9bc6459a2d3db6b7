/** Worker thread entry: fit one text pipeline (see fit.ts) and post the result back. */
import { serveWorkerJob } from '../../../core/worker.js';
import type { PipelineProgressEvent } from '../../../text/index.js';
import { type FitJob, type FitResult, fitPipeline } from './fit.js';

serveWorkerJob<FitJob, FitResult, PipelineProgressEvent>(
  (job, progress) => {
    const { pipeline: _p, ...result } = fitPipeline(job, progress);
    return result;
  },
  // Moved, not copied: the model file and the evaluation scores can be tens of MB.
  (result) => [result.bytes.buffer as ArrayBuffer, ...(result.evalProba ? [result.evalProba.buffer as ArrayBuffer] : [])],
);
