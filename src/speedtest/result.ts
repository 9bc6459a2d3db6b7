import type { LoadRun, RequestSample } from './load.js';
import { type LatencySummary, percentileSorted, summarize } from './stats.js';

/** One load run of a speed test: a route at one concurrency. */
export interface SpeedRun extends LoadRun {
  /** e.g. `POST /score`. */
  route: string;
  /** ms from the start of the speed test to the start of this run (runs go one after another). */
  offsetMs: number;
}

/** Everything a speed test measured: written as the raw-samples JSON and embedded in the report. */
export interface SpeedtestResult {
  /** The service measured (its URL, no credentials). */
  target: string;
  model?: string;
  startedAt: string;
  /** `rtscore <version>` (or the benchmark) that measured it. */
  tool: string;
  /** What was asked for, in words (requests or duration, questions' source, …). */
  settings: Record<string, string | number | boolean>;
  runs: SpeedRun[];
}

export interface RunSummary {
  route: string;
  concurrency: number;
  requests: number;
  ok: number;
  failed: number;
  wallMs: number;
  /** Successful requests per second of wall time. */
  requestsPerSecond: number;
  /** Wall time ÷ requests: the reference's "average time". */
  averageMs: number;
  /** Latency of the successful requests. */
  latency: LatencySummary;
  /** Failed requests per category. */
  errors: Record<string, number>;
}

export function summarizeRun(run: SpeedRun): RunSummary {
  const ok = run.samples.filter((s) => s.error === undefined);
  const errors: Record<string, number> = {};
  for (const s of run.samples) if (s.error !== undefined) errors[s.error] = (errors[s.error] ?? 0) + 1;
  return {
    route: run.route,
    concurrency: run.concurrency,
    requests: run.samples.length,
    ok: ok.length,
    failed: run.samples.length - ok.length,
    wallMs: run.wallMs,
    requestsPerSecond: ok.length / (run.wallMs / 1000),
    averageMs: run.samples.length ? run.wallMs / run.samples.length : Number.NaN,
    latency: summarize(ok.map((s) => s.latency)),
    errors,
  };
}

/**
 * The latency percentile curve on a "nines" axis, as HdrHistogram plots it:
 * x = −log10(1 − p/100), so 0 is p0, 1 is p90, 2 is p99, 3 is p99.9. Points
 * every 0.02 up to the resolution the sample count allows (log10(n)).
 */
export function percentileCurve(samples: readonly RequestSample[]): { nines: number[]; latency: number[] } {
  const sorted = samples
    .filter((s) => s.error === undefined)
    .map((s) => s.latency)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return { nines: [], latency: [] };
  const top = Math.log10(Math.max(sorted.length, 2));
  const nines: number[] = [];
  const latency: number[] = [];
  const steps = Math.round(top / 0.02);
  for (let k = 0; k <= steps; k++) {
    const x = (top * k) / steps;
    nines.push(Math.round(x * 1e4) / 1e4);
    latency.push(percentileSorted(sorted, 100 * (1 - 10 ** -x)));
  }
  return { nines, latency };
}

/** The percentile a "nines" value stands for (1 → 90, 2 → 99). */
export function ninesToPercentile(x: number): number {
  return 100 * (1 - 10 ** -x);
}

/** The data the report's charts draw, computed here (and tested) rather than in the page. */
export interface ReportData {
  title: string;
  target: string;
  model?: string;
  startedAt: string;
  tool: string;
  settings: Record<string, string | number | boolean>;
  summaries: (RunSummary & { label: string })[];
  /** One curve per run. */
  percentiles: { label: string; nines: number[]; latency: number[] }[];
  /** Every request: send time since the test's start (s) and latency (ms), successes per run, failures together. */
  overTime: { label: string; t: number[]; latency: number[] }[];
  /** Successful requests/s per concurrency, one series per route. */
  throughput: { concurrency: number[]; series: { route: string; requestsPerSecond: (number | null)[] }[] };
  /** Failed requests per category over all runs, with the first example of each. */
  errors: { category: string; count: number; example: string }[];
}

export function runLabel(run: { route: string; concurrency: number }, routes: number): string {
  return routes > 1 ? `${run.route} × ${run.concurrency}` : `${run.concurrency} client${run.concurrency === 1 ? '' : 's'}`;
}

export function reportData(result: SpeedtestResult): ReportData {
  const routes = [...new Set(result.runs.map((r) => r.route))];
  const label = (r: SpeedRun) => runLabel(r, routes.length);
  const summaries = result.runs.map((r) => ({ label: label(r), ...summarizeRun(r) }));

  const overTime = result.runs.map((r) => {
    const ok = r.samples.filter((s) => s.error === undefined);
    return { label: label(r), t: ok.map((s) => (r.offsetMs + s.start) / 1000), latency: ok.map((s) => s.latency) };
  });
  const failures = result.runs.flatMap((r) =>
    r.samples.filter((s) => s.error !== undefined).map((s) => ({ t: (r.offsetMs + s.start) / 1000, latency: s.latency })),
  );
  if (failures.length) overTime.push({ label: 'failed', t: failures.map((f) => f.t), latency: failures.map((f) => f.latency) });

  const concurrency = [...new Set(result.runs.map((r) => r.concurrency))].sort((a, b) => a - b);
  const throughput = {
    concurrency,
    series: routes.map((route) => ({
      route,
      requestsPerSecond: concurrency.map((c) => summaries.find((s) => s.route === route && s.concurrency === c)?.requestsPerSecond ?? null),
    })),
  };

  const counts = new Map<string, { count: number; example: string }>();
  for (const r of result.runs) {
    for (const s of r.samples) {
      if (s.error === undefined) continue;
      const entry = counts.get(s.error) ?? { count: 0, example: r.failureExamples[s.error] ?? s.error };
      entry.count++;
      counts.set(s.error, entry);
    }
  }
  const errors = [...counts].map(([category, e]) => ({ category, ...e })).sort((a, b) => b.count - a.count);

  return {
    title: `Speed test of ${result.target}${result.model ? ` (${result.model})` : ''}`,
    target: result.target,
    ...(result.model ? { model: result.model } : {}),
    startedAt: result.startedAt,
    tool: result.tool,
    settings: result.settings,
    summaries,
    percentiles: result.runs.map((r) => ({ label: label(r), ...percentileCurve(r.samples) })),
    overTime,
    throughput,
    errors,
  };
}
