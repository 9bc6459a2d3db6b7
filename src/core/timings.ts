/**
 * Where one request's time went on the server, in milliseconds, for the
 * `Server-Timing` header. Each phase is recorded where it happens: the HTTP
 * layer decodes the request; a model preprocesses, waits in its queue and runs
 * inference. Phases a request runs several times at once (several images, each
 * waiting and running in its own batch) keep the longest, which is what the
 * request waited for.
 */
export interface RequestTimings {
  /** Reading and decoding the request body (JSON, base64, multipart, binary tensors). */
  decode?: number;
  /** Turning inputs into model input: image decoding and resizing, text vectorising. */
  preprocess?: number;
  /** Waiting in a model's batching queue. */
  queue?: number;
  /** The model run itself (the batch the request was in). */
  inference?: number;
  /**
   * Every step as recorded, with its start and end (performance.now() ms), when
   * something wants them (tracing spans): present only when set to [] by the HTTP layer.
   */
  steps?: TimedStep[];
}

export type TimingPhase = 'decode' | 'preprocess' | 'queue' | 'inference';

/** One recorded step of a phase. */
export interface TimedStep {
  phase: TimingPhase;
  startMs: number;
  endMs: number;
}

/** Steps are recorded as they end: they took `ms` and ended at `endMs` (default: now). */
function step(timings: RequestTimings, phase: TimingPhase, ms: number, endMs = performance.now()): void {
  if (!timings.steps) return;
  timings.steps.push({ phase, startMs: endMs - ms, endMs });
}

/** The order phases happen in, and are reported in. */
export const TIMING_PHASES: readonly TimingPhase[] = ['decode', 'preprocess', 'queue', 'inference'];

/**
 * Record `ms` for a phase that ended at `endMs` (default: now), keeping the longest when it is
 * recorded more than once. A caller that knows when the phase ended passes it, so that steps
 * measured from one clock reading (the queue ends where the run starts) meet exactly.
 */
export function recordTiming(timings: RequestTimings | undefined, phase: TimingPhase, ms: number, endMs?: number): void {
  if (!timings || !(ms >= 0)) return;
  timings[phase] = Math.max(timings[phase] ?? 0, ms);
  step(timings, phase, ms, endMs);
}

/** Add `ms` to a phase done in several steps one after the other (e.g. parse the body, then decode base64). */
export function addTiming(timings: RequestTimings | undefined, phase: TimingPhase, ms: number): void {
  if (!timings || !(ms >= 0)) return;
  timings[phase] = (timings[phase] ?? 0) + ms;
  step(timings, phase, ms);
}

/** Run `fn` (sync or async) and add its time to a phase, whether it succeeds or throws. */
export async function timed<T>(timings: RequestTimings | undefined, phase: TimingPhase, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    addTiming(timings, phase, performance.now() - started);
  }
}
