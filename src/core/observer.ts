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
  /** Time spent turning a run's output into answers (e.g. softmax and top-k), for `size` items. */
  postprocess?(model: string, version: string, size: number, seconds: number): void;
  /** One inference request on the model, from taking the model to its answer or failure. */
  request?(model: string, version: string, ok: boolean, seconds: number): void;
}

export const nullObserver: ModelObserver = {};

const HOOKS = ['batch', 'queueWait', 'preprocess', 'queueDepth', 'cancelled', 'postprocess', 'request'] as const;

/** One observer that tells each of `observers` (metrics and statistics both listen). */
export function combineObservers(...observers: ModelObserver[]): ModelObserver {
  const combined: Record<string, (...args: never[]) => void> = {};
  for (const hook of HOOKS) {
    const listeners = observers.map((o) => o[hook]?.bind(o)).filter((f) => f !== undefined) as ((...args: never[]) => void)[];
    if (listeners.length)
      combined[hook] = (...args) => {
        for (const f of listeners) f(...args);
      };
  }
  return combined as ModelObserver;
}
