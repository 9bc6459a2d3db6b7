/**
 * Latency statistics. Percentiles interpolate linearly between the closest
 * ranks (numpy's default, `method="linear"`), so p50 of [1, 2, 3, 4] is 2.5.
 */
export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The `p`-th percentile (0–100) of values already sorted ascending. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const pos = (sorted.length - 1) * (p / 100);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The `p`-th percentile (0–100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** Count, mean, min, p50, p90, p99 and max; NaN for every figure of an empty list. */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    min: sorted.length ? sorted[0]! : Number.NaN,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Round for reports: 3 significant digits below 10, else 1 decimal below 1000, else integers. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value);
  if (abs >= 10) return Math.round(value * 10) / 10;
  return Number(value.toPrecision(3));
}

/** A number for a table cell ('–' when absent or not finite). */
export function fmt(value: number | undefined | null, digits?: number): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  if (digits !== undefined) return value.toFixed(digits);
  const r = round(value);
  return Math.abs(r) >= 1000 ? r.toLocaleString('en-US') : String(r);
}
