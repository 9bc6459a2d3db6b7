/**
 * Hooks through which models report what they do, so the HTTP layer can turn
 * it into metrics without the core knowing about Prometheus.
 * Every method is optional; durations are in seconds.
 */
export interface ModelObserver {
  /** One backend run over a batch of `size` requests. */
  batch?(model: string, version: string, size: number, inferSeconds: number): void;
  /** Time a request waited in a batching queue before its batch started. */
  queueWait?(model: string, version: string, seconds: number): void;
  /** Time spent turning a request's raw input into model input (e.g. image decoding). */
  preprocess?(model: string, version: string, seconds: number): void;
  /** Requests waiting in a model's queue right now. */
  queueDepth?(model: string, version: string, depth: number): void;
  /** A request dropped before inference because its client went away. */
  cancelled?(model: string, version: string): void;
}

export const nullObserver: ModelObserver = {};
