import { describe, expect, it, vi } from 'vitest';
import { Batcher } from '../../src/core/batcher.js';
import { RtsError, rtsError } from '../../src/core/errors.js';
import { type RequestTimings, recordTiming } from '../../src/core/timings.js';

/** A run function that records the batches it was given and can be held open. */
function recorder<T>(delayMs = 0) {
  const batches: T[][] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  return {
    batches,
    hold() {
      gate = new Promise((r) => {
        release = r;
      });
    },
    open() {
      release?.();
      gate = undefined;
    },
    run: async (items: T[]) => {
      batches.push(items);
      if (gate) await gate;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return items.map((x) => `out:${String(x)}`);
    },
  };
}

/** One turn of the event loop (setImmediate callbacks queued before it have run). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('runs a lone item at once with maxBatchSize 1 and no delay', async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run });
    await expect(b.submit(7)).resolves.toBe('out:7');
    expect(r.batches).toEqual([[7]]);
  });

  it('groups items that arrive within maxQueueDelayMs into one batch, in order', async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run, maxBatchSize: 8, maxQueueDelayMs: 30 });
    const outs = await Promise.all([1, 2, 3, 4].map((i) => b.submit(i)));
    expect(outs).toEqual(['out:1', 'out:2', 'out:3', 'out:4']);
    expect(r.batches).toEqual([[1, 2, 3, 4]]);
  });

  it('starts a batch as soon as maxBatchSize items wait, without waiting for the delay', async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run, maxBatchSize: 3, maxQueueDelayMs: 10_000 });
    const started = performance.now();
    const outs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => b.submit(i)));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outs).toHaveLength(6);
    expect(r.batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('runs a partial batch when the oldest item has waited maxQueueDelayMs while another batch is in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const r = recorder<number>();
      r.hold();
      const b = new Batcher({ run: r.run, maxBatchSize: 8, maxQueueDelayMs: 40, concurrency: 2 });
      const first = b.submit(0);
      await nextTurn();
      expect(r.batches).toEqual([[0]]); // nothing ran: it went after one turn, no delay
      const waiting = [b.submit(1), b.submit(2)];
      await nextTurn();
      expect(r.batches).toEqual([[0]]); // a batch is in flight: these wait for company
      vi.advanceTimersByTime(39);
      expect(r.batches).toEqual([[0]]);
      vi.advanceTimersByTime(1);
      expect(r.batches).toEqual([[0], [1, 2]]);
      r.open();
      await Promise.all([first, ...waiting]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not make a lone item wait for company when nothing is in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const r = recorder<number>();
      const b = new Batcher({ run: r.run, maxBatchSize: 8, maxQueueDelayMs: 10_000 });
      const out = b.submit(1);
      await nextTurn();
      expect(r.batches).toEqual([[1]]);
      expect(vi.getTimerCount()).toBe(0); // no delay timer was armed
      await expect(out).resolves.toBe('out:1');
      // Idle again: the next lone item goes at once too.
      const again = b.submit(2);
      await nextTurn();
      expect(r.batches).toEqual([[1], [2]]);
      await expect(again).resolves.toBe('out:2');
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits for items announced with expect(), and starts as soon as the last arrives', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const r = recorder<number>();
      const b = new Batcher({ run: r.run, maxBatchSize: 8, maxQueueDelayMs: 50 });
      const arrivedA = b.expect();
      const arrivedB = b.expect();
      const a = b.submit(1);
      arrivedA();
      await nextTurn();
      vi.advanceTimersByTime(10);
      expect(r.batches).toEqual([]); // another is on its way: wait for it
      const c = b.submit(2);
      arrivedB();
      arrivedB(); // a second call is ignored
      await nextTurn();
      expect(r.batches).toEqual([[1, 2]]); // no one else coming: go, 40 ms before the delay
      await Promise.all([a, c]);

      // An announced item that never comes costs at most the delay.
      const lost = b.expect();
      const d = b.submit(3);
      await nextTurn();
      vi.advanceTimersByTime(49);
      expect(r.batches).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(r.batches).toEqual([[1, 2], [3]]);
      lost();
      await d;
    } finally {
      vi.useRealTimers();
    }
  });

  it('with delay 0, items arriving while a batch runs form the next batch', async () => {
    const r = recorder<number>();
    r.hold();
    const b = new Batcher({ run: r.run, maxBatchSize: 4, maxQueueDelayMs: 0 });
    const first = b.submit(0);
    const rest = [1, 2, 3].map((i) => b.submit(i));
    expect(b.depth).toBe(3);
    r.open();
    await Promise.all([first, ...rest]);
    expect(r.batches).toEqual([[0], [1, 2, 3]]);
  });

  it('refuses with QUEUE_FULL (503 + Retry-After) when maxQueueSize items wait', async () => {
    const r = recorder<number>();
    r.hold();
    const b = new Batcher({ run: r.run, maxBatchSize: 1, maxQueueSize: 2, retryAfterSeconds: 2 });
    const running = b.submit(0); // runs, holds the only slot
    const queued = [b.submit(1), b.submit(2)];
    const err = await b.submit(3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RtsError);
    expect((err as RtsError).code).toBe('RTS_ERR_QUEUE_FULL');
    expect((err as RtsError).statusCode).toBe(503);
    expect((err as RtsError).retryAfterSeconds).toBe(2);
    r.open();
    await expect(Promise.all([running, ...queued])).resolves.toEqual(['out:0', 'out:1', 'out:2']);
  });

  it('drops an item whose signal fires while it waits: it never reaches run', async () => {
    const r = recorder<number>();
    r.hold();
    let cancelled = 0;
    const b = new Batcher({ run: r.run, maxBatchSize: 4, onCancelled: () => cancelled++ });
    const running = b.submit(0);
    const controller = new AbortController();
    const doomed = b.submit(1, controller.signal);
    const kept = b.submit(2);
    controller.abort();
    const err = await doomed.catch((e: unknown) => e);
    expect((err as RtsError).code).toBe('RTS_ERR_CANCELLED');
    expect(cancelled).toBe(1);
    r.open();
    await Promise.all([running, kept]);
    expect(r.batches).toEqual([[0], [2]]);
  });

  it("rejects a dropped item with the signal's RtsError reason (a deadline), not as cancelled", async () => {
    const r = recorder<number>();
    r.hold();
    const b = new Batcher({ run: r.run, maxBatchSize: 4 });
    const running = b.submit(0);
    const controller = new AbortController();
    const late = b.submit(1, controller.signal);
    controller.abort(rtsError('DEADLINE_EXCEEDED', 'too late'));
    await expect(late).rejects.toMatchObject({ code: 'RTS_ERR_DEADLINE_EXCEEDED', statusCode: 503, message: 'too late' });
    r.open();
    await running;
    expect(r.batches).toEqual([[0]]);
    const expired = new AbortController();
    expired.abort(rtsError('DEADLINE_EXCEEDED', 'already late'));
    await expect(b.submit(2, expired.signal)).rejects.toMatchObject({ code: 'RTS_ERR_DEADLINE_EXCEEDED' });
  });

  it('refuses an already-aborted signal without running', async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run });
    const controller = new AbortController();
    controller.abort();
    await expect(b.submit(1, controller.signal)).rejects.toMatchObject({ code: 'RTS_ERR_CANCELLED' });
    expect(r.batches).toEqual([]);
  });

  it('rejects every item of a failed batch and keeps serving', async () => {
    let fail = true;
    const b = new Batcher<number, number>({
      maxBatchSize: 2,
      maxQueueDelayMs: 20,
      run: async (items) => {
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        return items;
      },
    });
    const results = await Promise.allSettled([b.submit(1), b.submit(2)]);
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    await expect(b.submit(3)).resolves.toBe(3);
  });

  it('runs up to `concurrency` batches at once', async () => {
    let active = 0;
    let peak = 0;
    const b = new Batcher<number, number>({
      maxBatchSize: 1,
      concurrency: 3,
      run: async (items) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return items;
      },
    });
    await Promise.all([1, 2, 3, 4, 5, 6].map((i) => b.submit(i)));
    expect(peak).toBe(3);
  });

  it('reports batch sizes, queue waits and depth to its hooks', async () => {
    const sizes: number[] = [];
    const waits: number[] = [];
    const depths: number[] = [];
    const b = new Batcher<number, number>({
      maxBatchSize: 4,
      maxQueueDelayMs: 15,
      run: async (i) => i,
      onBatch: (n) => sizes.push(n),
      onQueueWait: (s) => waits.push(s),
      onDepth: (d) => depths.push(d),
    });
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const done = Promise.all([1, 2, 3].map((i) => b.submit(i)));
      vi.advanceTimersByTime(2); // the clock moves 2 ms before the batch starts
      await done;
    } finally {
      vi.useRealTimers();
    }
    expect(sizes).toEqual([3]);
    expect(waits).toEqual([0.002, 0.002, 0.002]); // nothing in flight: one turn, not the 15 ms delay
    expect(depths).toContain(3);
    expect(depths.at(-1)).toBe(0);
  });

  it('close() finishes queued work, then refuses new items', async () => {
    const r = recorder<number>(10);
    const b = new Batcher({ run: r.run, maxBatchSize: 2, maxQueueDelayMs: 1000 });
    const p = b.submit(1);
    await b.close();
    await expect(p).resolves.toBe('out:1');
    await expect(b.submit(2)).rejects.toMatchObject({ code: 'RTS_ERR_SHUTTING_DOWN' });
  });

  it('rejects a run that returns the wrong number of results', async () => {
    const b = new Batcher<number, number>({ maxBatchSize: 2, maxQueueDelayMs: 10, run: async () => [1] });
    const results = await Promise.allSettled([b.submit(1), b.submit(2)]);
    expect(results.every((x) => x.status === 'rejected' && (x.reason as RtsError).code === 'RTS_ERR_INFERENCE_FAILED')).toBe(true);
  });

  it("reports each item's queue wait and its batch's run time into the timings it was given", async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run, maxBatchSize: 1 });
    r.hold();
    const first: RequestTimings = {};
    const second: RequestTimings = {};
    const a = b.submit(1, undefined, first);
    const c = b.submit(2, undefined, second); // waits: the only slot is busy
    expect(second.queue).toBeUndefined();
    r.open();
    await Promise.all([a, c]);
    for (const t of [first, second]) {
      expect(t.queue).toBeGreaterThanOrEqual(0);
      expect(t.inference).toBeGreaterThanOrEqual(0);
    }
    await b.submit(3); // no timings: nothing to record into
  });

  it('records steps that meet: each item’s queue step ends exactly where its batch’s run step starts', async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run, maxBatchSize: 4, maxQueueDelayMs: 1000 });
    r.hold();
    const timings: RequestTimings[] = [0, 1, 2, 3].map(() => ({ steps: [] }));
    const done = Promise.all(timings.map((t, i) => b.submit(i, undefined, t)));
    r.open();
    await done;
    for (const t of timings) {
      const queue = t.steps!.find((s) => s.phase === 'queue')!;
      const inference = t.steps!.find((s) => s.phase === 'inference')!;
      expect(queue.endMs).toBeCloseTo(inference.startMs, 9);
      expect(queue.endMs - queue.startMs).toBeCloseTo(t.queue!, 9);
      expect(inference.endMs - inference.startMs).toBeCloseTo(t.inference!, 9);
    }
  });
});

describe('recordTiming', () => {
  it('keeps the longest time of a phase recorded several times, ignores bad values and absent timings', () => {
    const t: RequestTimings = {};
    recordTiming(t, 'queue', 2);
    recordTiming(t, 'queue', 5);
    recordTiming(t, 'queue', 3);
    recordTiming(t, 'inference', Number.NaN);
    recordTiming(undefined, 'decode', 1);
    expect(t).toEqual({ queue: 5 });
  });
});

describe('Batcher: a request’s items stay together (issue 11, defects 2 and 12)', () => {
  it('refuses a request the queue cannot hold before queuing any of it', async () => {
    const r = recorder<number>();
    r.hold();
    const b = new Batcher({ run: r.run, maxBatchSize: 1, maxQueueSize: 4 });
    const running = b.submit(0);
    const queued = b.submitAll([1, 2]);
    const err = await b.submitAll([3, 4, 5]).catch((e: unknown) => e);
    expect((err as RtsError).code).toBe('RTS_ERR_QUEUE_FULL');
    expect(b.depth).toBe(2); // none of the refused request's items was queued
    r.open();
    await expect(queued).resolves.toEqual(['out:1', 'out:2']);
    await running;
    expect(r.batches.flat()).toEqual([0, 1, 2]);
  });

  it('refuses with 413 a request with more items than the queue could ever hold', async () => {
    const r = recorder<number>();
    const b = new Batcher({ run: r.run, maxQueueSize: 4 });
    const err = await b.submitAll([1, 2, 3, 4, 5]).catch((e: unknown) => e);
    expect((err as RtsError).code).toBe('RTS_ERR_PAYLOAD_TOO_LARGE');
    expect((err as RtsError).statusCode).toBe(413);
    expect(r.batches).toEqual([]);
  });

  it('drops every waiting item of a request when its signal fires', async () => {
    const r = recorder<number>();
    r.hold();
    let cancelled = 0;
    const b = new Batcher({ run: r.run, maxBatchSize: 2, onCancelled: () => cancelled++ });
    const running = b.submit(0);
    const controller = new AbortController();
    const doomed = b.submitAll([1, 2, 3, 4, 5], controller.signal);
    const kept = b.submit(6);
    expect(b.depth).toBe(6);
    controller.abort();
    await expect(doomed).rejects.toMatchObject({ code: 'RTS_ERR_CANCELLED' });
    expect(b.depth).toBe(1);
    expect(cancelled).toBe(5);
    r.open();
    await Promise.all([running, kept]);
    expect(r.batches.flat()).toEqual([0, 6]);
  });

  it('drops the rest of a request when one of its batches fails', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const b = new Batcher<number, number>({
      maxBatchSize: 2,
      run: async (items) => {
        batches.push(items);
        await gate;
        if (items.includes(1)) throw new Error('boom');
        return items;
      },
    });
    const request = b.submitAll([1, 2, 3, 4, 5, 6]);
    expect(b.depth).toBe(4);
    release();
    await expect(request).rejects.toThrow('boom');
    expect(b.depth).toBe(0);
    await b.idle();
    expect(batches).toEqual([[1, 2]]); // 3…6 never ran
  });

  it('adds one abort listener per request, however many items (no MaxListenersExceededWarning)', async () => {
    const r = recorder<number>();
    r.hold();
    const b = new Batcher({ run: r.run, maxBatchSize: 4, maxQueueSize: 64 });
    const running = b.submit(-1);
    const controller = new AbortController();
    let added = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      added++;
      add(...args);
    }) as never;
    const request = b.submitAll(
      Array.from({ length: 32 }, (_, i) => i),
      controller.signal,
    );
    expect(added).toBe(1);
    r.open();
    await expect(request).resolves.toHaveLength(32);
    await running;
  });
});
