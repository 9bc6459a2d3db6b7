import { describe, expect, it } from 'vitest';
import { topK } from '../../../src/core/rank.js';
import { softmax } from '../../../src/tasks/vision/postprocess.js';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('softmax', () => {
  it('gives known values', () => {
    // e^0, e^1, e^2 over their sum 1 + e + e² = 11.1073…
    const p = softmax([0, 1, 2]);
    expect(p[0]).toBeCloseTo(0.09003057, 7);
    expect(p[1]).toBeCloseTo(0.24472847, 7);
    expect(p[2]).toBeCloseTo(0.66524096, 7);
    expect(Array.from(softmax([3, 3, 3, 3]))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('is stable for large logits (shift invariant, no overflow)', () => {
    const p = softmax([1000, 1001, 1002]);
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
    expect(p[2]).toBeCloseTo(0.66524096, 7);
    const q = softmax([-1e30, 0]);
    expect(Array.from(q)).toEqual([0, 1]);
  });

  it('works on a slice of a batch', () => {
    const logits = new Float32Array([9, 9, 0, 1, 2, 9]);
    expect(Array.from(softmax(logits, 2, 3))).toEqual(Array.from(softmax([0, 1, 2])));
  });

  it('treats non-finite logits sanely', () => {
    expect(Array.from(softmax([1, Infinity, 2, Infinity]))).toEqual([0, 0.5, 0, 0.5]);
    expect(Array.from(softmax([0, NaN, 0]))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(softmax([-Infinity, 0]))).toEqual([0, 1]);
    expect(Array.from(softmax([NaN, -Infinity]))).toEqual([0.5, 0.5]);
    expect(sum(softmax(Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 50)))).toBeCloseTo(1, 5);
  });
});

describe('topK', () => {
  it('returns the k best, best first', () => {
    expect(topK([0.1, 0.5, 0.2, 0.9, 0.3], 3)).toEqual([
      { index: 3, score: 0.9 }, { index: 1, score: 0.5 }, { index: 4, score: 0.3 },
    ]);
  });

  it('keeps ties in index order and ranks NaN last', () => {
    expect(topK([0.2, 0.7, 0.2, 0.7, 0.2], 4).map((r) => r.index)).toEqual([1, 3, 0, 2]);
    expect(topK([NaN, 0.1, 0.3], 3).map((r) => r.index)).toEqual([2, 1, 0]);
  });

  it('clamps k to the class count and agrees with a full sort', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1009) / 1009);
    const sorted = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
    expect(topK(scores, 1000)).toEqual(sorted);
    expect(topK(scores, 5000)).toHaveLength(1000);
    expect(topK(scores, 5)).toEqual(sorted.slice(0, 5));
    expect(topK(scores, 0)).toEqual([]);
  });
});
