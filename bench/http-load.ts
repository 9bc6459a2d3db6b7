import autocannon from 'autocannon';
import type { BodyCheck } from '../src/speedtest/checks.js';
import { type LoadRun, type RequestSample, type RequestSpec, runLoad } from '../src/speedtest/load.js';
import type { SpeedRun } from '../src/speedtest/result.js';
import { type LatencySummary, summarize } from '../src/speedtest/stats.js';

/** One HTTP request of a benchmark (the URL's origin comes from the run). */
export type HttpRequestSpec = RequestSpec;

/** What every HTTP run reports. */
export interface HttpRunResult {
  /** Requests answered with a well-formed body. */
  ok: number;
  /** Requests that failed: error status, bad body, network error, timeout. */
  failed: number;
  /** The first failure's reason, to show what went wrong. */
  firstFailure?: string;
  concurrency: number;
  /** Wall time of the measured part, in ms. */
  wallMs: number;
  /** Successful requests per second over the wall time. */
  requestsPerSecond: number;
  /** Client-side latency of successful requests, in ms. */
  latency: LatencySummary;
  /** Every request (for the speed-test report; left out of the bench's JSON). */
  samples: RequestSample[];
  /** performance.now() when the run started (places it on the report's time line). */
  startedMs: number;
  /** The first failure of each cause. */
  failureExamples: Record<string, string>;
}

/** A bench run as a speed-test run, for the shared HTML report. */
export function asSpeedRun(run: HttpRunResult, route: string, zeroMs: number): SpeedRun {
  return {
    route,
    concurrency: run.concurrency,
    offsetMs: run.startedMs - zeroMs,
    wallMs: run.wallMs,
    samples: run.samples,
    failureExamples: run.failureExamples,
  };
}

export interface FixedCountOptions {
  url: string;
  /** Requests to send, in total. */
  count: number;
  /** Clients sending at the same time, each on its own keep-alive connection. */
  concurrency: number;
  /** The i-th request. */
  request: (i: number) => HttpRequestSpec;
  check: BodyCheck;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
}

/**
 * The reference's speed test shape: `count` requests from `concurrency`
 * clients, each on one keep-alive connection, every body checked: the load
 * generator of `rtscore speedtest`, so the bench and the shipped speed test
 * measure alike.
 */
export async function runFixedCount(options: FixedCountOptions): Promise<HttpRunResult> {
  const startedMs = performance.now();
  const run = await runLoad({
    url: options.url,
    concurrency: options.concurrency,
    requests: options.count,
    request: options.request,
    check: options.check,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return asHttpRunResult(run, startedMs);
}

export interface SteadyRateOptions {
  url: string;
  /** Requests per second offered, evenly spaced. */
  rate: number;
  /** The most requests in flight: keep-alive connections opened as needed. */
  connections: number;
  durationSeconds: number;
  /** Cycled through. */
  requests: HttpRequestSpec[];
  check: BodyCheck;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
}

/**
 * A steady offered load: one request every 1/rate s, each sent on a free connection, so
 * latencies show what a client sees below saturation. Not autocannon's `overallRate`:
 * that gives each connection a budget per second, which it spends as fast as answers come
 * at the top of each second, so a server at 70 % of its capacity is saturated for most of
 * every second and idle for the rest (p50 ≈ connections ÷ capacity, not the service time).
 */
export async function runSteadyRate(options: SteadyRateOptions): Promise<HttpRunResult> {
  const startedMs = performance.now();
  const n = options.requests.length;
  const run = await runLoad({
    url: options.url,
    concurrency: options.connections,
    durationSeconds: options.durationSeconds,
    rate: options.rate,
    request: (i) => options.requests[i % n]!,
    check: options.check,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  return asHttpRunResult(run, startedMs);
}

function asHttpRunResult(run: LoadRun, startedMs: number): HttpRunResult {
  const ok = run.samples.filter((s) => s.error === undefined);
  const firstFailure = Object.values(run.failureExamples)[0];
  return {
    ok: ok.length,
    failed: run.samples.length - ok.length,
    ...(firstFailure ? { firstFailure } : {}),
    concurrency: run.concurrency,
    wallMs: run.wallMs,
    requestsPerSecond: ok.length / (run.wallMs / 1000),
    latency: summarize(ok.map((s) => s.latency)),
    samples: run.samples,
    startedMs,
    failureExamples: run.failureExamples,
  };
}

export interface TimedLoadOptions {
  url: string;
  /** Open connections, each sending its next request when the previous answer arrives. */
  connections: number;
  /** Seconds of measured load. */
  durationSeconds: number;
  /** Cycled through by every connection. */
  requests: HttpRequestSpec[];
  check: BodyCheck;
  /** Per-request timeout in seconds. Default 30. */
  timeoutSeconds?: number;
}

/**
 * Closed-loop load for a fixed time with autocannon. Latencies come from
 * autocannon's per-response timings (sub-millisecond; its own histogram keeps
 * whole milliseconds) and count only 2xx answers whose body passed the check.
 */
export async function runTimedLoad(options: TimedLoadOptions): Promise<HttpRunResult> {
  const latencies: number[] = [];
  const samples: RequestSample[] = [];
  const failureExamples: Record<string, string> = {};
  const fail = (sample: RequestSample, category: string, detail: string) => {
    sample.error = category;
    failureExamples[category] ??= detail;
  };
  let badBodies = 0;
  let lastStatus = 0;
  const startedMs = performance.now();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 30,
    requests: options.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) })),
    // autocannon emits `response` and then, synchronously, verifies that same
    // response's body: a bad body takes back the latency just recorded.
    verifyBody: (body: string) => {
      if (lastStatus < 200 || lastStatus >= 300) return true; // already counted as non-2xx
      const reason = options.check(body);
      if (reason === undefined) return true;
      badBodies++;
      latencies.pop();
      fail(samples.at(-1)!, 'bad body', reason);
      return false;
    },
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastStatus = status;
    const sample: RequestSample = { start: performance.now() - ms - startedMs, latency: ms, status };
    samples.push(sample);
    if (status >= 200 && status < 300) latencies.push(ms);
    else fail(sample, `HTTP ${status}`, `HTTP ${status}`);
  });
  instance.on('reqError', (err: NodeJS.ErrnoException) => {
    const category = err.code ?? (/timeout/i.test(err.message) ? 'timeout' : 'network error');
    fail(samples[samples.push({ start: performance.now() - startedMs, latency: 0, status: 0 }) - 1]!, category, `${category}: ${err.message}`);
  });
  const result = await instance;
  const firstFailure = Object.values(failureExamples)[0];
  const ok = latencies.length;
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts + badBodies,
    ...(firstFailure ? { firstFailure } : {}),
    concurrency: options.connections,
    wallMs: result.duration * 1000,
    requestsPerSecond: ok / result.duration,
    latency: summarize(latencies),
    samples,
    startedMs,
    failureExamples,
  };
}
