import { describe, expect, it } from 'vitest';
import type { RequestSample } from '../../src/speedtest/load.js';
import { ninesToPercentile, percentileCurve, reportData, type SpeedRun, type SpeedtestResult, summarizeRun } from '../../src/speedtest/result.js';

/** The figures the report draws, from hand-made samples whose answers are known. */
const ok = (start: number, latency: number): RequestSample => ({ start, latency, status: 200 });
const bad = (start: number, latency: number, status: number, error: string): RequestSample => ({ start, latency, status, error });

function run(
  route: string,
  concurrency: number,
  offsetMs: number,
  wallMs: number,
  samples: RequestSample[],
  failureExamples: Record<string, string> = {},
): SpeedRun {
  return { route, concurrency, offsetMs, wallMs, samples, failureExamples };
}

describe('summarizeRun', () => {
  it('counts successes and failures per cause, and takes latencies and throughput from the successes only', () => {
    const r = run('POST /score', 4, 0, 2000, [
      ok(0, 10),
      ok(1, 20),
      ok(2, 30),
      ok(3, 40),
      bad(4, 500, 503, 'HTTP 503'),
      bad(5, 1, 0, 'ECONNRESET'),
      bad(6, 600, 503, 'HTTP 503'),
    ]);
    const s = summarizeRun(r);
    expect(s).toMatchObject({
      route: 'POST /score',
      concurrency: 4,
      requests: 7,
      ok: 4,
      failed: 3,
      wallMs: 2000,
      requestsPerSecond: 2,
      errors: { 'HTTP 503': 2, ECONNRESET: 1 },
    });
    expect(s.averageMs).toBeCloseTo(2000 / 7);
    expect(s.latency).toMatchObject({ count: 4, min: 10, max: 40, mean: 25, p50: 25 });
  });
});

describe('percentileCurve', () => {
  it('samples the latency on a "nines" axis up to the resolution the sample count allows', () => {
    const samples = Array.from({ length: 100 }, (_, i) => ok(i, i + 1)); // latencies 1…100
    const { nines, latency } = percentileCurve([...samples, bad(0, 9999, 500, 'HTTP 500')]);
    expect(nines[0]).toBe(0);
    expect(nines.at(-1)).toBe(2); // log10(100): p99
    expect(nines).toHaveLength(101);
    expect(latency[0]).toBe(1); // p0
    expect(latency[nines.indexOf(1)]).toBeCloseTo(90.1); // p90 of 1…100, linear interpolation
    expect(latency.at(-1)).toBeCloseTo(99.01); // p99, the failure's 9999 ms is not in it
    for (let i = 1; i < latency.length; i++) expect(latency[i]!).toBeGreaterThanOrEqual(latency[i - 1]!);
    expect(ninesToPercentile(2)).toBeCloseTo(99);
  });

  it('is empty without a successful request', () => {
    expect(percentileCurve([bad(0, 1, 401, 'HTTP 401')])).toEqual({ nines: [], latency: [] });
  });
});

describe('reportData', () => {
  const result: SpeedtestResult = {
    target: 'http://127.0.0.1:1',
    model: 'faq',
    startedAt: '2026-01-01T00:00:00.000Z',
    tool: 'test',
    settings: { requests: 4 },
    runs: [
      run('POST /score', 1, 0, 400, [ok(0, 100), ok(100, 100), ok(200, 100), ok(300, 100)]),
      run('POST /score', 4, 500, 100, [ok(0, 50), ok(0, 60), bad(0, 70, 503, 'HTTP 503'), bad(0, 5, 0, 'timeout')], {
        'HTTP 503': 'HTTP 503: {"error":"busy"}',
        timeout: 'timeout: no answer',
      }),
      run('POST /v1/faq/match', 4, 700, 200, [ok(0, 10), ok(10, 10), ok(20, 10), bad(30, 10, 200, 'bad body')], { 'bad body': '3 matches, expected 5' }),
    ],
  };
  const data = reportData(result);

  it('labels runs by route and concurrency, and summarises each', () => {
    expect(data.title).toBe('Speed test of http://127.0.0.1:1 (faq)');
    expect(data.summaries.map((s) => [s.label, s.ok, s.failed, s.requestsPerSecond])).toEqual([
      ['POST /score × 1', 4, 0, 10],
      ['POST /score × 4', 2, 2, 20],
      ['POST /v1/faq/match × 4', 3, 1, 15],
    ]);
  });

  it('gives throughput per concurrency for each route, null where a route was not run', () => {
    expect(data.throughput).toEqual({
      concurrency: [1, 4],
      series: [
        { route: 'POST /score', requestsPerSecond: [10, 20] },
        { route: 'POST /v1/faq/match', requestsPerSecond: [null, 15] },
      ],
    });
  });

  it('places every request on one time line (runs one after another), failures as their own series', () => {
    expect(data.overTime.map((s) => s.label)).toEqual(['POST /score × 1', 'POST /score × 4', 'POST /v1/faq/match × 4', 'failed']);
    expect(data.overTime[0]).toEqual({ label: 'POST /score × 1', t: [0, 0.1, 0.2, 0.3], latency: [100, 100, 100, 100] });
    expect(data.overTime[2]!.t).toEqual([0.7, 0.71, 0.72]);
    expect(data.overTime[3]).toEqual({ label: 'failed', t: [0.5, 0.5, 0.73], latency: [70, 5, 10] });
  });

  it('breaks failures down by cause, most frequent first, each with its first example', () => {
    expect(data.errors).toEqual([
      { category: 'HTTP 503', count: 1, example: 'HTTP 503: {"error":"busy"}' },
      { category: 'timeout', count: 1, example: 'timeout: no answer' },
      { category: 'bad body', count: 1, example: '3 matches, expected 5' },
    ]);
  });

  it('labels runs by concurrency alone when there is one route', () => {
    const one = reportData({ ...result, runs: result.runs.slice(0, 2) });
    expect(one.summaries.map((s) => s.label)).toEqual(['1 client', '4 clients']);
    expect(one.percentiles.map((p) => p.label)).toEqual(['1 client', '4 clients']);
  });
});
