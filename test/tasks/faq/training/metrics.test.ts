import { describe, expect, it } from 'vitest';
import { rankMetrics, rankOfTrue } from '../../../../src/tasks/faq/training/metrics.js';

describe('rank metrics (REFERENCE §1 evaluation)', () => {
  it('ranks the true score among all, best first, ties at their average rank', () => {
    expect(rankOfTrue([0.1, 0.7, 0.2], 1)).toBe(1);
    expect(rankOfTrue([0.1, 0.7, 0.2], 2)).toBe(2);
    expect(rankOfTrue([0.1, 0.7, 0.2], 0)).toBe(3);
    // Two tied at the top: ranks 1 and 2 → 1.5 each.
    expect(rankOfTrue([0.4, 0.4, 0.2], 0)).toBe(1.5);
    // One above, three tied (ranks 2, 3, 4) → 3.
    expect(rankOfTrue([0.5, 0.1, 0.1, 0.1, 0.0], 2)).toBe(3);
    // All equal among 4 → 2.5.
    expect(rankOfTrue(new Float32Array([0.25, 0.25, 0.25, 0.25]), 3)).toBe(2.5);
  });

  it('computes Accuracy@1/2/3 and Mean Rank of a hand-made ranking', () => {
    // Six questions; their true FAQs came 1st, 1st, 2nd, 1.5 (tie), 3rd and 7th.
    const m = rankMetrics([1, 1, 2, 1.5, 3, 7]);
    expect(m.count).toBe(6);
    expect(m.accuracyAt1).toBeCloseTo(2 / 6, 12);
    expect(m.accuracyAt2).toBeCloseTo(4 / 6, 12);
    expect(m.accuracyAt3).toBeCloseTo(5 / 6, 12);
    expect(m.meanRank).toBeCloseTo(15.5 / 6, 12);
  });

  it('rejects an index outside the scores', () => {
    expect(() => rankOfTrue([1, 2], 2)).toThrow(RangeError);
  });
});
