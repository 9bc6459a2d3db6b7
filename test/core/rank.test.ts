import { describe, expect, it } from 'vitest';
import { topK } from '../../src/core/rank.js';

describe('topK', () => {
  it('returns the k best, best first', () => {
    expect(topK([0.1, 0.5, 0.2, 0.9, 0.3], 3)).toEqual([
      { index: 3, score: 0.9 },
      { index: 1, score: 0.5 },
      { index: 4, score: 0.3 },
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

  it('ranks alike whether it sorts every score (k ≥ n) or keeps a heap (k < n): ties, NaN and infinities', () => {
    const scores = [0.2, Number.NaN, Infinity, 0.7, -Infinity, 0.2, Infinity, Number.NaN, 0.7, -Infinity, 0];
    const n = scores.length;
    const all = topK(scores, n);
    expect(all.map((r) => r.index)).toEqual([2, 6, 3, 8, 0, 5, 10, 1, 4, 7, 9]);
    for (let k = 1; k < n; k++) expect(topK(scores, k)).toEqual(all.slice(0, k));
  });
});
