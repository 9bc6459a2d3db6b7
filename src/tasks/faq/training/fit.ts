import { runWorkerJob } from '../../../core/worker.js';
import { type PipelineProgressEvent, serializePipeline, TextPipeline, type TextPipelineOptions } from '../../../text/index.js';

/** One fit: what to train on, and what to score with the result (all optional extras). */
export interface FitJob {
  options: TextPipelineOptions;
  texts: string[];
  y: Int32Array;
  nClasses: number;
  /** Scored in one batch after fitting (evaluation); probabilities come back row-major. */
  evalTexts?: string[];
  /** Scored one at a time after fitting, to measure single-question latency. */
  latencyTexts?: string[];
}

export interface FitResult {
  /** The fitted pipeline, serialised (what pipeline.bin holds). */
  bytes: Uint8Array;
  fitMs: number;
  nIter: number;
  converged: boolean;
  nFeatures: number;
  evalProba?: Float32Array;
  /** Median and 95th-percentile time to score one question, in ms. */
  latency?: { medianMs: number; p95Ms: number; count: number };
}

/** Fit in the current thread (used by the worker, and by tests on tiny data). */
export function fitPipeline(job: FitJob, onProgress?: (e: PipelineProgressEvent) => void): FitResult & { pipeline: TextPipeline } {
  const started = performance.now();
  const pipeline = new TextPipeline(job.options);
  pipeline.fit(job.texts, job.y, { nClasses: job.nClasses, ...(onProgress ? { onProgress } : {}) });
  const fitMs = performance.now() - started;
  const result: FitResult & { pipeline: TextPipeline } = {
    pipeline,
    bytes: serializePipeline(pipeline),
    fitMs,
    nIter: pipeline.classifier.nIter,
    converged: pipeline.classifier.converged,
    nFeatures: pipeline.nFeatures,
  };
  if (job.evalTexts?.length) result.evalProba = pipeline.predictProba(job.evalTexts);
  if (job.latencyTexts?.length) {
    const times: number[] = [];
    for (const t of job.latencyTexts) {
      const s = performance.now();
      pipeline.predictProba([t]);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    result.latency = { medianMs: at(0.5), p95Ms: at(0.95), count: times.length };
  }
  return result;
}

/**
 * Fit in a worker thread so the event loop stays free (the server trains missing default
 * models in the background while it already answers health checks).
 */
export function fitPipelineInWorker(job: FitJob, onProgress?: (e: PipelineProgressEvent) => void): Promise<FitResult> {
  return runWorkerJob<FitResult, PipelineProgressEvent>(new URL('./fit-worker.js', import.meta.url), job, {
    what: 'training',
    ...(onProgress ? { onProgress } : {}),
  });
}
