import { describe, expect, it } from 'vitest';
import { sortIds } from '../../src/text/sort-ids.js';

/** Distinct random ids below `limit`, `n` of them (a seeded generator: the same lists every run). */
function distinctIds(n: number, limit: number, seed: number): Int32Array {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const seen = new Set<number>();
  while (seen.size < n) seen.add(Math.floor(next() * limit));
  return Int32Array.from(seen);
}

describe('sortIds', () => {
  it('sorts like the built-in sort, on both sides of the radix thresholds (length 400, ids 2^22)', () => {
    const cases: [number, number][] = [
      [0, 10],
      [1, 10],
      [399, 30_000],
      [400, 30_000],
      [1_500, 40_000],
      [5_000, 2 ** 22],
      [1_000, 2 ** 22 + 5],
      [2_000, 2 ** 30],
    ];
    cases.forEach(([n, limit], k) => {
      const ids = distinctIds(n, limit, k + 1);
      const expected = Array.from(ids).sort((a, b) => a - b);
      const out = sortIds(ids);
      expect(out).toBe(ids);
      expect(Array.from(out)).toEqual(expected);
    });
  });

  it('sorts a subarray in place without touching the rest of its buffer', () => {
    const buffer = Int32Array.from({ length: 1_000 }, (_v, i) => 999 - i);
    const part = buffer.subarray(100, 700);
    sortIds(part);
    expect(Array.from(part)).toEqual(Array.from({ length: 600 }, (_v, i) => 300 + i));
    expect(buffer[99]).toBe(900);
    expect(buffer[700]).toBe(299);
  });
});
