import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random.js';
import { stratifiedSplit } from '../../../../src/tasks/faq/data/split.js';

interface Item {
  id: number;
  label: string;
}

/** Classes of 1, 4, 5, 10, 24 and 77 items, interleaved. */
function items(): Item[] {
  const sizes: Record<string, number> = { a: 1, b: 4, c: 5, d: 10, e: 24, f: 77 };
  const out: Item[] = [];
  let id = 0;
  for (let round = 0; round < 77; round++) {
    for (const [label, n] of Object.entries(sizes)) if (round < n) out.push({ id: id++, label });
  }
  return out;
}

describe('stratifiedSplit (REFERENCE §1 step 6)', () => {
  it('puts max(1, floor(n × 0.21)) of every class into test, the rest into train', () => {
    const data = items();
    const { train, test } = stratifiedSplit(data, (x) => x.label, { testSize: 0.21, seed: 42 });
    const count = (xs: Item[], l: string): number => xs.filter((x) => x.label === l).length;
    const expected: Record<string, number> = { a: 1, b: 1, c: 1, d: 2, e: 5, f: 16 };
    for (const [label, k] of Object.entries(expected)) {
      expect(count(test, label)).toBe(k);
      expect(count(train, label) + k).toBe(data.filter((x) => x.label === label).length);
    }
    // A partition that keeps the input order.
    expect([...train, ...test].map((x) => x.id).sort((p, q) => p - q)).toEqual(data.map((x) => x.id));
    expect(test.map((x) => x.id)).toEqual([...test.map((x) => x.id)].sort((p, q) => p - q));
  });

  it('is deterministic under a seed, and another seed draws another split', () => {
    const data = items();
    const ids = (seed: number): number[] => stratifiedSplit(data, (x) => x.label, { seed }).test.map((x) => x.id);
    expect(ids(42)).toEqual(ids(42));
    expect(ids(7)).not.toEqual(ids(42));
    // Same counts per class whatever the seed.
    expect(ids(7).length).toBe(ids(42).length);
  });

  it('rejects a test size outside (0, 1)', () => {
    expect(() => stratifiedSplit(items(), (x) => x.label, { testSize: 0 })).toThrow(RangeError);
    expect(() => stratifiedSplit(items(), (x) => x.label, { testSize: 1 })).toThrow(RangeError);
  });
});

describe('mulberry32', () => {
  it('gives the same sequence for a seed, in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // First value of mulberry32(42), as computed by the reference JavaScript implementation.
    expect(mulberry32(42)()).toBeCloseTo(0.6011037519201636, 15);
  });
});
