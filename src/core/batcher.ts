import { abortError, rtsError } from './errors.js';
import { type RequestTimings, recordTiming } from './timings.js';

/**
 * Dynamic batching: requests for one model are gathered until `maxBatchSize`
 * of them wait or the oldest has waited `maxQueueDelayMs`, then run as one
 * call of `run` and the results handed back one by one.
 *
 * - The queue is bounded: a request whose items would take it past
 *   `maxQueueSize` is refused whole, at once, with RTS_ERR_QUEUE_FULL
 *   (503 + Retry-After) instead of growing; one with more items than the
 *   queue could ever hold gets RTS_ERR_PAYLOAD_TOO_LARGE (413).
 * - A request's items stay together (`submitAll`): when its AbortSignal fires
 *   or one of its items fails, every item of it still waiting is taken out of
 *   the queue and never reaches `run` (don't pay for an answer nobody reads); it is rejected
 *   with the signal's RtsError reason if it has one (a passed deadline), else
 *   CANCELLED.
 * - With `maxBatchSize` 1 and no delay an item goes straight to `run`: no
 *   timer, no extra turn of the event loop.
 * - Waiting for company only pays when company is coming: while no batch
 *   runs and no item is announced as on its way (`expect`, e.g. an image
 *   still being decoded), what is queued starts after one turn of the event
 *   loop (arrivals of the same turn share the batch) instead of after
 *   `maxQueueDelayMs`, so a lone client never pays the delay.
 */
export interface BatcherOptions<I, O> {
  /** Largest batch given to `run`. Default 1. */
  maxBatchSize?: number;
  /** Longest time the oldest waiting item waits for company, in ms. Default 0. */
  maxQueueDelayMs?: number;
  /** Items allowed to wait; more are refused. Default 256. */
  maxQueueSize?: number;
  /** Batches allowed to run at the same time (e.g. one per backend instance). Default 1. */
  concurrency?: number;
  /** Seconds suggested to clients refused for a full queue. Default 1. */
  retryAfterSeconds?: number;
  /** Runs one batch; must return one result per item, in order. */
  run: (items: I[]) => Promise<O[]>;
  /** Called after each batch with its size and run time (s). */
  onBatch?: (size: number, seconds: number) => void;
  /** Called for each item when its batch starts, with its wait (s). */
  onQueueWait?: (seconds: number) => void;
  /** Called whenever the number of waiting items changes. */
  onDepth?: (depth: number) => void;
  /** Called for each item dropped because its signal fired while it waited. */
  onCancelled?: () => void;
}

/** One request's items: they are admitted, cancelled and failed together. */
interface Group<O> {
  outputs: O[];
  /** Items not yet resolved. */
  remaining: number;
  /** Items still waiting in the queue (not yet running). */
  queued: number;
  settled: boolean;
  resolve: (value: O[]) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  timings?: RequestTimings;
}

interface Pending<I, O> {
  item: I;
  enqueuedAt: number;
  group: Group<O>;
  index: number;
}

export class Batcher<I, O> {
  private readonly maxBatchSize: number;
  private readonly maxQueueDelayMs: number;
  private readonly maxQueueSize: number;
  private readonly concurrency: number;
  private readonly retryAfterSeconds: number;
  private readonly options: BatcherOptions<I, O>;
  private queue: Pending<I, O>[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Items announced by `expect` and not yet submitted. */
  private arriving = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: BatcherOptions<I, O>) {
    this.options = options;
    this.maxBatchSize = options.maxBatchSize ?? 1;
    this.maxQueueDelayMs = options.maxQueueDelayMs ?? 0;
    this.maxQueueSize = options.maxQueueSize ?? 256;
    this.concurrency = options.concurrency ?? 1;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    if (!(this.maxBatchSize >= 1) || !(this.concurrency >= 1) || !(this.maxQueueSize >= 1)) {
      throw new RangeError('maxBatchSize, concurrency and maxQueueSize must be ≥ 1');
    }
  }

  /** Items waiting (not yet running). */
  get depth(): number {
    return this.queue.length;
  }

  /** Most items one request may bring: more could never be queued at once. */
  get capacity(): number {
    return this.maxQueueSize;
  }

  /** Queue one item; `timings` (optional) gets its queue wait and its batch's run time. */
  submit(item: I, signal?: AbortSignal, timings?: RequestTimings): Promise<O> {
    return this.submitAll([item], signal, timings).then((outputs) => outputs[0]!);
  }

  /**
   * Submit one request's items together. They are admitted as a whole (a
   * request the queue cannot hold is refused before any item is queued) and
   * leave as a whole: when the signal fires or one item fails, every item of
   * the request still waiting is dropped. One abort listener per request.
   */
  submitAll(items: readonly I[], signal?: AbortSignal, timings?: RequestTimings): Promise<O[]> {
    if (this.closed) return Promise.reject(rtsError('SHUTTING_DOWN', 'the model is being unloaded'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.maxQueueSize) {
      return Promise.reject(
        rtsError('PAYLOAD_TOO_LARGE', `${items.length} items in one request can never fit the model's queue of ${this.maxQueueSize}`, {
          details: { items: items.length, maxQueueSize: this.maxQueueSize },
        }),
      );
    }
    // Fast path: nothing waiting, a free slot, and no reason to wait for company.
    const direct = this.queue.length === 0 && this.running < this.concurrency && this.maxQueueDelayMs === 0 && items.length <= this.maxBatchSize;
    if (!direct && this.queue.length + items.length > this.maxQueueSize) {
      return Promise.reject(
        rtsError('QUEUE_FULL', `the model's queue is full (${this.queue.length} of ${this.maxQueueSize} waiting); retry later`, {
          retryAfterSeconds: this.retryAfterSeconds,
          details: { maxQueueSize: this.maxQueueSize },
        }),
      );
    }
    return new Promise<O[]>((resolve, reject) => {
      const group: Group<O> = {
        outputs: new Array<O>(items.length),
        remaining: items.length,
        queued: 0,
        settled: false,
        resolve,
        reject,
        ...(timings ? { timings } : {}),
      };
      const now = performance.now();
      const pending = items.map((item, index): Pending<I, O> => ({ item, enqueuedAt: now, group, index }));
      if (direct) {
        this.start(pending);
        return;
      }
      group.queued = pending.length;
      if (signal) {
        group.signal = signal;
        group.onAbort = () => this.cancel(group);
        signal.addEventListener('abort', group.onAbort, { once: true });
      }
      this.queue.push(...pending);
      this.options.onDepth?.(this.queue.length);
      this.dispatch();
    });
  }

  /**
   * Announce `n` items that will be submitted soon (their input is still being prepared),
   * so that waiting items wait for them (up to `maxQueueDelayMs`) even when nothing runs.
   * Call the returned function once they are submitted, or will not be; extra calls are
   * ignored.
   */
  expect(n = 1): () => void {
    this.arriving += n;
    let pending = true;
    return () => {
      if (!pending) return;
      pending = false;
      this.arriving -= n;
      if (this.arriving === 0) this.dispatch();
    };
  }

  /** Stop taking items; resolves once everything queued and running is done. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.dispatch(); // flush: nothing more will join a waiting batch
    await this.idle();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The client went away: drop what of its request still waits (running items are too late to save). */
  private cancel(group: Group<O>): void {
    const dropped = this.dropQueued(group);
    for (let i = 0; i < dropped; i++) this.options.onCancelled?.();
    // The signal's reason says why: the client left (CANCELLED) or its deadline passed.
    this.settle(group, abortError(group.signal, 'the request was cancelled before inference'));
  }

  /** Take every waiting item of `group` out of the queue; returns how many. */
  private dropQueued(group: Group<O>): number {
    if (group.queued === 0) return 0;
    const before = this.queue.length;
    this.queue = this.queue.filter((p) => p.group !== group);
    const dropped = before - this.queue.length;
    group.queued = 0;
    this.detach(group);
    this.options.onDepth?.(this.queue.length);
    this.notifyIdle();
    return dropped;
  }

  private detach(group: Group<O>): void {
    if (group.signal && group.onAbort) group.signal.removeEventListener('abort', group.onAbort);
    group.onAbort = undefined;
  }

  /** Settle a group once: with its outputs, or with the first error (dropping what still waits). */
  private settle(group: Group<O>, error?: unknown): void {
    if (group.settled) return;
    group.settled = true;
    if (error === undefined) {
      group.resolve(group.outputs);
    } else {
      this.dropQueued(group);
      group.reject(error);
    }
    this.detach(group);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.running < this.concurrency) {
      const waitedMs = performance.now() - this.queue[0]!.enqueuedAt;
      const full = this.queue.length >= this.maxBatchSize;
      if (!full && waitedMs < this.maxQueueDelayMs && !this.closed) {
        if (this.running === 0 && this.arriving === 0) this.armImmediate();
        else this.armTimer(this.maxQueueDelayMs - waitedMs);
        return;
      }
      const batch = this.queue.splice(0, this.maxBatchSize);
      this.options.onDepth?.(this.queue.length);
      for (const p of batch) {
        // Its last waiting item is leaving: nothing left for an abort to save.
        if (--p.group.queued === 0) this.detach(p.group);
      }
      this.start(batch);
    }
  }

  /** Start what waits after this turn of the event loop: nothing runs, so company would only cost time. */
  private armImmediate(): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      if (this.queue.length === 0 || this.running >= this.concurrency) return;
      const batch = this.queue.splice(0, this.maxBatchSize);
      this.options.onDepth?.(this.queue.length);
      this.start(batch);
      this.dispatch();
    });
  }

  private armTimer(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.dispatch();
      },
      Math.max(0, Math.ceil(ms)),
    );
  }

  private start(batch: Pending<I, O>[]): void {
    if (this.timer && this.queue.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running++;
    const startedAt = performance.now();
    for (const p of batch) {
      this.options.onQueueWait?.((startedAt - p.enqueuedAt) / 1000);
      recordTiming(p.group.timings, 'queue', startedAt - p.enqueuedAt, startedAt);
    }
    let results: Promise<O[]>;
    try {
      results = this.options.run(batch.map((p) => p.item));
    } catch (err) {
      results = Promise.reject(err);
    }
    results
      .then(
        (outputs) => {
          const endedAt = performance.now();
          const ranMs = endedAt - startedAt;
          this.options.onBatch?.(batch.length, ranMs / 1000);
          for (const p of batch) recordTiming(p.group.timings, 'inference', ranMs, endedAt);
          if (!Array.isArray(outputs) || outputs.length !== batch.length) {
            const err = rtsError('INFERENCE_FAILED', `batch run returned ${Array.isArray(outputs) ? outputs.length : 'no'} results for ${batch.length} items`);
            for (const p of batch) this.settle(p.group, err);
          } else {
            batch.forEach((p, i) => {
              const g = p.group;
              g.outputs[p.index] = outputs[i]!;
              if (--g.remaining === 0) this.settle(g);
            });
          }
        },
        (err: unknown) => {
          for (const p of batch) this.settle(p.group, err);
        },
      )
      .finally(() => {
        this.running--;
        this.dispatch();
        this.notifyIdle();
      });
  }

  private notifyIdle(): void {
    if (this.queue.length !== 0 || this.running !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
