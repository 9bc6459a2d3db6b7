/**
 * The reference's evaluation (REFERENCE §1): the rank of the true FAQ among all FAQ
 * scores, ties given the average rank; Accuracy@k = share with rank ≤ k; Mean Rank.
 */

/**
 * 1-based rank of `scores[trueIndex]` among all scores, best (highest) first. Tied scores
 * share the average of the ranks they span: with `g` scores above and `t` scores equal
 * (the true one included), the rank is `g + (t + 1) / 2`. A NaN score ranks last.
 */
export function rankOfTrue(scores: ArrayLike<number>, trueIndex: number): number {
  if (!(trueIndex >= 0 && trueIndex < scores.length)) throw new RangeError(`trueIndex ${trueIndex} outside 0..${scores.length - 1}`);
  const s = scores[trueIndex]!;
  if (Number.isNaN(s)) return scores.length;
  let greater = 0;
  let equal = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (v > s)
      greater++; // NaN compares false: other NaN scores rank below
    else if (v === s) equal++;
  }
  return greater + (equal + 1) / 2;
}

export interface RankMetrics {
  /** Shares in [0, 1]. */
  accuracyAt1: number;
  accuracyAt2: number;
  accuracyAt3: number;
  meanRank: number;
  count: number;
}

export function rankMetrics(ranks: readonly number[]): RankMetrics {
  const n = ranks.length;
  if (n === 0) return { accuracyAt1: NaN, accuracyAt2: NaN, accuracyAt3: NaN, meanRank: NaN, count: 0 };
  const at = (k: number): number => ranks.filter((r) => r <= k).length / n;
  return {
    accuracyAt1: at(1),
    accuracyAt2: at(2),
    accuracyAt3: at(3),
    meanRank: ranks.reduce((a, b) => a + b, 0) / n,
    count: n,
  };
}

/** Ranks of the true classes of `rows` × `classes` row-major scores. */
export function ranksOf(scores: Float32Array | Float64Array, classes: number, truth: ArrayLike<number>): number[] {
  const ranks: number[] = [];
  for (let i = 0; i < truth.length; i++) ranks.push(rankOfTrue(scores.subarray(i * classes, (i + 1) * classes), truth[i]!));
  return ranks;
}

export function formatMetrics(m: RankMetrics): string {
  const p = (x: number): string => `${(100 * x).toFixed(2)}%`;
  return `Accuracy@1 = ${p(m.accuracyAt1)}, @2 = ${p(m.accuracyAt2)}, @3 = ${p(m.accuracyAt3)}, Mean Rank = ${m.meanRank.toFixed(2)} (${m.count} questions)`;
}
