import autocannon from 'autocannon';
import { Pool } from 'undici';
import type { BodyCheck } from './checks.js';
import { summarize, type LatencySummary } from './stats.js';

/** One HTTP request of a benchmark (the URL's origin comes from the run). */
export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

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
 * clients, each on one keep-alive connection, every body checked. Latency is
 * taken per request with a monotonic clock.
 */
export async function runFixedCount(options: FixedCountOptions): Promise<HttpRunResult> {
  const timeout = options.timeoutMs ?? 60_000;
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1, headersTimeout: timeout, bodyTimeout: timeout });
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const fail = (reason: string) => {
    failed++;
    firstFailure ??= reason;
  };
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (let i = next++; i < options.count; i = next++) {
      const spec = options.request(i);
      const t0 = performance.now();
      try {
        const res = await pool.request({ origin: options.url, method: spec.method, path: spec.path, headers: spec.headers, body: spec.body ?? null });
        const text = await res.body.text();
        const ms = performance.now() - t0;
        const reason = res.statusCode === 200 ? options.check(text) : `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
        if (reason) fail(reason);
        else latencies.push(ms);
      } catch (err) {
        fail(`request error: ${(err as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    await pool.close();
  }
  const wallMs = performance.now() - started;
  return {
    ok: latencies.length,
    failed,
    ...(firstFailure ? { firstFailure } : {}),
    concurrency: options.concurrency,
    wallMs,
    requestsPerSecond: latencies.length / (wallMs / 1000),
    latency: summarize(latencies),
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
  /** A steady offered load: requests per second over all connections (open loop). Default: as fast as answers come. */
  overallRate?: number;
}

/**
 * Closed-loop load for a fixed time with autocannon. Latencies come from
 * autocannon's per-response timings (sub-millisecond; its own histogram keeps
 * whole milliseconds) and count only 2xx answers whose body passed the check.
 */
export async function runTimedLoad(options: TimedLoadOptions): Promise<HttpRunResult> {
  const latencies: number[] = [];
  let firstFailure: string | undefined;
  let badBodies = 0;
  let lastStatus = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 30,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: options.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) })),
    // autocannon emits `response` and then, synchronously, verifies that same
    // response's body: a bad body takes back the latency just recorded.
    verifyBody: (body: string) => {
      if (lastStatus < 200 || lastStatus >= 300) return true; // already counted as non-2xx
      const reason = options.check(body);
      if (reason === undefined) return true;
      badBodies++;
      latencies.pop();
      firstFailure ??= reason;
      return false;
    },
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastStatus = status;
    if (status >= 200 && status < 300) latencies.push(ms);
    else firstFailure ??= `HTTP ${status}`;
  });
  const result = await instance;
  if (result.errors > 0 || result.timeouts > 0) firstFailure ??= `${result.errors} connection errors, ${result.timeouts} timeouts`;
  const ok = latencies.length;
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts + badBodies,
    ...(firstFailure ? { firstFailure } : {}),
    concurrency: options.connections,
    wallMs: result.duration * 1000,
    requestsPerSecond: ok / result.duration,
    latency: summarize(latencies),
  };
}
