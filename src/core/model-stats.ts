import type { ModelObserver } from './observer.js';

/**
 * Per model version, cumulative inference statistics in the shape of the
 * Open Inference Protocol's statistics extension (Triton's and KServe's
 * `GET /v2/models/{name}[/versions/{v}]/stats`): counts and total
 * nanoseconds of successful and failed requests, of queue waits, input
 * preparation (decoding, preprocessing), model execution and output
 * extraction, per batch size too. Fed by the models' observer hooks and the
 * registry's request bookkeeping; knows nothing of HTTP.
 */
export interface DurationStat {
  count: number;
  ns: number;
}

export interface BatchStat {
  batch_size: number;
  compute_input: DurationStat;
  compute_infer: DurationStat;
  compute_output: DurationStat;
}

export interface ModelStat {
  name: string;
  version: string;
  /** ms since the epoch of the last inference request; 0 before the first. */
  last_inference: number;
  /** Successful inferences, each item of a batch counted. */
  inference_count: number;
  /** Model executions (a dynamic batch is one). */
  execution_count: number;
  inference_stats: {
    success: DurationStat;
    fail: DurationStat;
    queue: DurationStat;
    compute_input: DurationStat;
    compute_infer: DurationStat;
    compute_output: DurationStat;
    cache_hit: DurationStat;
    cache_miss: DurationStat;
  };
  batch_stats: BatchStat[];
}

const zero = (): DurationStat => ({ count: 0, ns: 0 });
const ns = (seconds: number): number => Math.round(seconds * 1e9);
function add(stat: DurationStat, seconds: number, count = 1): void {
  stat.count += count;
  stat.ns += ns(seconds) * count;
}

class VersionStats {
  lastInference = 0;
  inferenceCount = 0;
  executionCount = 0;
  readonly inference = {
    success: zero(),
    fail: zero(),
    queue: zero(),
    compute_input: zero(),
    compute_infer: zero(),
    compute_output: zero(),
    cache_hit: zero(),
    cache_miss: zero(),
  };
  readonly batches = new Map<number, BatchStat>();

  batch(size: number): BatchStat {
    let b = this.batches.get(size);
    if (!b) {
      b = { batch_size: size, compute_input: zero(), compute_infer: zero(), compute_output: zero() };
      this.batches.set(size, b);
    }
    return b;
  }

  snapshot(name: string, version: string): ModelStat {
    const copy = (s: DurationStat) => ({ ...s });
    return {
      name,
      version,
      last_inference: this.lastInference,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: Object.fromEntries(Object.entries(this.inference).map(([k, v]) => [k, copy(v)])) as ModelStat['inference_stats'],
      batch_stats: [...this.batches.values()]
        .sort((a, b) => a.batch_size - b.batch_size)
        .map((b) => ({
          batch_size: b.batch_size,
          compute_input: copy(b.compute_input),
          compute_infer: copy(b.compute_infer),
          compute_output: copy(b.compute_output),
        })),
    };
  }
}

export class ModelStatistics implements ModelObserver {
  private readonly byVersion = new Map<string, VersionStats>();

  private of(model: string, version: string): VersionStats {
    const key = `${model}\u0000${version}`;
    let s = this.byVersion.get(key);
    if (!s) {
      s = new VersionStats();
      this.byVersion.set(key, s);
    }
    return s;
  }

  /** A model execution over `size` items: each item's compute_infer is the whole run's time (Triton's convention). */
  batch(model: string, version: string, size: number, inferSeconds: number): void {
    const s = this.of(model, version);
    s.executionCount++;
    s.inferenceCount += size;
    add(s.inference.compute_infer, inferSeconds, size);
    add(s.batch(size).compute_infer, inferSeconds);
  }

  queueWait(model: string, version: string, seconds: number): void {
    add(this.of(model, version).inference.queue, seconds);
  }

  preprocess(model: string, version: string, seconds: number): void {
    add(this.of(model, version).inference.compute_input, seconds);
  }

  postprocess(model: string, version: string, size: number, seconds: number): void {
    const s = this.of(model, version);
    add(s.inference.compute_output, seconds, size);
    add(s.batch(size).compute_output, seconds);
  }

  request(model: string, version: string, ok: boolean, seconds: number): void {
    const s = this.of(model, version);
    add(ok ? s.inference.success : s.inference.fail, seconds);
    s.lastInference = Date.now();
  }

  /** The statistics of one version (zeros before its first request). */
  snapshot(model: string, version: string): ModelStat {
    return this.of(model, version).snapshot(model, version);
  }
}
