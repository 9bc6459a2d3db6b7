/** Descriptive statistics as pandas' `describe()` prints them (quartiles by linear interpolation). */
export interface Summary {
  count: number;
  mean: number;
  std: number;
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((a, b) => a + b, 0) / n : NaN;
  // Sample standard deviation (ddof = 1), as pandas reports it.
  const std = n > 1 ? Math.sqrt(sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  return {
    count: n,
    mean,
    std,
    min: n ? sorted[0]! : NaN,
    q25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
    max: n ? sorted[n - 1]! : NaN,
  };
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));

export function formatSummary(s: Summary): string {
  return (
    `count ${s.count}, min ${fmt(s.min)}, 25% ${fmt(s.q25)}, median ${fmt(s.median)}, ` +
    `75% ${fmt(s.q75)}, mean ${fmt(s.mean)}, std ${fmt(s.std)}, max ${fmt(s.max)}`
  );
}
