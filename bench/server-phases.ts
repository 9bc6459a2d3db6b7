import { request } from 'undici';

/**
 * Where a model's requests spent their time on the server during a run: the difference
 * of the server's own Prometheus histograms (`/metrics`) before and after it. Per image:
 * decoding and preprocessing, the wait in the batching queue; per batch: the backend run
 * (which includes the copy of the batch to the ONNX Runtime worker and back); and the
 * HTTP request as the server timed it, from its first byte to its answer.
 */
export interface ServerPhases {
  /** Images (requests) preprocessed during the run. */
  images: number;
  /** Mean decode + resize + normalise time per image, ms. */
  preprocessMs: number;
  /** Mean wait in the batching queue per request, ms. */
  queueMs: number;
  /** Backend runs during the run, and their mean size. */
  batches: number;
  meanBatch: number;
  /** Mean backend time per batch, ms (every request of a batch waits for all of it). */
  inferencePerBatchMs: number;
  /** Backend time per image: total ÷ images, ms. */
  inferencePerImageMs: number;
  /** Mean server time of an HTTP request of this route, ms. */
  httpMs: number;
}

type Series = Record<string, { sum: number; count: number }>;

/** `_sum` and `_count` of the histograms named here, for one model (and one route for HTTP). */
const HISTOGRAMS = ['rtscore_preprocess_duration_seconds', 'rtscore_queue_wait_seconds', 'rtscore_inference_duration_seconds', 'rtscore_batch_size'];

export async function scrapeHistograms(url: string, model: string, route: string): Promise<Series> {
  const res = await request(`${url}/metrics`);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  const out: Series = {};
  const add = (name: string, part: 'sum' | 'count', value: number) => {
    out[name] ??= { sum: 0, count: 0 };
    out[name][part] += value;
  };
  // Lines such as `rtscore_batch_size_sum{model="m",version="1"} 42` (the exposition format).
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(sum|count)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, part, labels, value] = m as unknown as [string, string, 'sum' | 'count', string, string];
    if (HISTOGRAMS.includes(name) && labels.includes(`model="${model}"`)) add(name, part, Number(value));
    else if (name === 'rtscore_http_request_duration_seconds' && labels.includes(`route="${route}"`) && labels.includes(`model="${model}"`)) {
      add('http', part, Number(value));
    }
  }
  return out;
}

export function phasesBetween(before: Series, after: Series): ServerPhases {
  const d = (name: string) => {
    const a = after[name] ?? { sum: 0, count: 0 };
    const b = before[name] ?? { sum: 0, count: 0 };
    return { sum: a.sum - b.sum, count: a.count - b.count };
  };
  const mean = (x: { sum: number; count: number }, scale = 1000) => (x.count > 0 ? (scale * x.sum) / x.count : 0);
  const pre = d('rtscore_preprocess_duration_seconds');
  const queue = d('rtscore_queue_wait_seconds');
  const inference = d('rtscore_inference_duration_seconds');
  const batch = d('rtscore_batch_size');
  const http = d('http');
  return {
    images: pre.count,
    preprocessMs: mean(pre),
    queueMs: mean(queue),
    batches: inference.count,
    meanBatch: mean(batch, 1),
    inferencePerBatchMs: mean(inference),
    inferencePerImageMs: batch.sum > 0 ? (1000 * inference.sum) / batch.sum : 0,
    httpMs: mean(http),
  };
}
