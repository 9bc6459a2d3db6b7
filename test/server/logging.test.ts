import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoTimeOncePerMs } from '../../src/server/logging.js';

describe('isoTimeOncePerMs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives pino's isoTime for every millisecond, including a change of millisecond", () => {
    vi.useFakeTimers();
    for (const t of [Date.UTC(2026, 11, 6, 3, 55, 43, 123), Date.UTC(2026, 11, 6, 3, 55, 43, 123), Date.UTC(2026, 11, 6, 3, 55, 43, 124), 0]) {
      vi.setSystemTime(t);
      expect(isoTimeOncePerMs()).toBe(pino.stdTimeFunctions.isoTime());
    }
  });
});
