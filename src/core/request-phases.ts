import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where one request spent its time inside the models (decoding, preprocessing,
 * queue wait, inference, postprocessing), for tracing spans and timing headers.
 * The HTTP layer opens a recorder per request with `recordPhases`; code deep in
 * the core and the tasks reports to whatever recorder is current, or to none.
 * Times are `performance.now()` milliseconds.
 */
export type PhaseName = 'decode' | 'preprocess' | 'queue' | 'inference' | 'postprocess';

export interface Phase {
  name: PhaseName;
  startMs: number;
  endMs: number;
}

export class PhaseRecorder {
  readonly phases: Phase[] = [];
  add(name: PhaseName, startMs: number, endMs: number): void {
    this.phases.push({ name, startMs, endMs });
  }
}

const current = new AsyncLocalStorage<PhaseRecorder>();

/** Run `fn` with `recorder` collecting the phases of everything it starts. */
export function recordPhases<T>(recorder: PhaseRecorder, fn: () => T): T {
  return current.run(recorder, fn);
}

/** The recorder of the request being served here, if any (capture it before work leaves the request's async context, e.g. in a queue). */
export function currentPhases(): PhaseRecorder | undefined {
  return current.getStore();
}

/** Report a phase of the current request. */
export function recordPhase(name: PhaseName, startMs: number, endMs: number = performance.now()): void {
  current.getStore()?.add(name, startMs, endMs);
}
