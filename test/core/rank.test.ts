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
});
