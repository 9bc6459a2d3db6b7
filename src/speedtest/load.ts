import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BodyCheck } from './checks.js';

/**
 * The speed test's load generator: closed-loop clients, each on its own
 * keep-alive connection, sending the next request when the previous answer
 * has been read and checked (the reference's test: 100 requests from 4
 * clients). Only Node's own http/https: it ships with the CLI and must work
 * against any deployment, HTTPS included.
 */

/** One request; its path is appended to the target URL's path. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** What happened to one request, for the report and the raw-samples file. */
export interface RequestSample {
  /** ms from the start of the run to sending the request. */
  start: number;
  /** ms from sending to having read the whole answer (or to the failure). */
  latency: number;
  /** HTTP status; 0 when no answer arrived. */
  status: number;
  /** Absent for a success; else the failure's category (`HTTP 503`, `bad body`, `timeout`, `ECONNREFUSED`, …). */
  error?: string;
}

export interface LoadRun {
  concurrency: number;
  /** Wall time of the run, ms. */
  wallMs: number;
  /** In the order the requests were sent. */
  samples: RequestSample[];
  /** The first failure of each category, in full (a status's body, a check's reason). */
  failureExamples: Record<string, string>;
}

export interface LoadOptions {
  /** Target: `http(s)://host[:port][/prefix]`. */
  url: string;
  /** Clients at once, each on one keep-alive connection. */
  concurrency: number;
  /** Stop after this many requests in total … */
  requests?: number;
  /** … or send requests for this many seconds (answers in flight are awaited). */
  durationSeconds?: number;
  /** The i-th request of the run. */
  request: (i: number) => RequestSpec;
  /** A 2xx answer only counts as a success when its body passes. */
  check: BodyCheck;
  /** Per-request limit, ms. Default 60 s. */
  timeoutMs?: number;
  /**
   * Open loop at a steady rate: request i is due `i / rate` seconds after the start and
   * is sent then on a free connection (the `concurrency` connections are the most in
   * flight). Its latency counts from when it was due if no connection was free then, so
   * a server that falls behind is not flattered (coordinated omission). Default: closed
   * loop, each client sending its next request when the previous answer is in.
   */
  rate?: number;
}

class RequestTimeout extends Error {
  readonly code = 'timeout';
}

/** The category a failed request is counted under, and its full reason. */
function classify(err: unknown): { category: string; detail: string } {
  const e = err as NodeJS.ErrnoException;
  const category = e instanceof RequestTimeout ? 'timeout' : (e.code ?? 'network error');
  return { category, detail: `${category}: ${e.message}` };
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  if ((options.requests === undefined) === (options.durationSeconds === undefined)) throw new RangeError('give either requests or durationSeconds');
  if (options.rate !== undefined && !(options.rate > 0 && Number.isFinite(options.rate)))
    throw new RangeError('rate must be a positive number of requests per second');
  const target = new URL(options.url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new RangeError(`the URL must be http or https, got ${target.protocol}`);
  const secure = target.protocol === 'https:';
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: options.concurrency });
  const prefix = target.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const base = {
    agent,
    protocol: target.protocol,
    hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: target.port || (secure ? 443 : 80),
  };

  const send = (spec: RequestSpec) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers: Record<string, string> = { ...spec.headers };
      if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
      const req = (secure ? https : http).request({ ...base, method: spec.method, path: prefix + spec.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new RequestTimeout(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(spec.body);
    });

  const samples: RequestSample[] = [];
  const failureExamples: Record<string, string> = {};
  const started = performance.now();
  const deadline = options.durationSeconds !== undefined ? started + options.durationSeconds * 1000 : Number.POSITIVE_INFINITY;
  const total = options.requests ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const interval = options.rate === undefined ? 0 : 1000 / options.rate;
  const client = async () => {
    // Closed loop: until the deadline. Open loop: every request due before the deadline, late or not.
    for (let i = next++; i < total && (interval > 0 || performance.now() < deadline); i = next++) {
      let t0 = performance.now();
      if (interval > 0) {
        const due = started + i * interval;
        if (due >= deadline) break;
        if (due > t0) {
          // Early: wait for the due time (timers may fire a little early, hence the loop),
          // and time from the actual send: a timer's lateness is the client's, not the server's.
          while ((t0 = performance.now()) < due) await sleep(due - t0);
        } else {
          // Late: every connection was busy at the due time; the wait counts.
          t0 = due;
        }
      }
      const spec = options.request(i);
      const sample: RequestSample = { start: t0 - started, latency: 0, status: 0 };
      samples.push(sample);
      let failure: { category: string; detail: string } | undefined;
      try {
        const res = await send(spec);
        sample.status = res.status;
        if (res.status < 200 || res.status >= 300) failure = { category: `HTTP ${res.status}`, detail: `HTTP ${res.status}: ${res.body.slice(0, 300)}` };
        else {
          const reason = options.check(res.body);
          if (reason !== undefined) failure = { category: 'bad body', detail: reason };
        }
      } catch (err) {
        failure = classify(err);
      }
      sample.latency = performance.now() - t0;
      if (failure) {
        sample.error = failure.category;
        failureExamples[failure.category] ??= failure.detail;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    agent.destroy();
  }
  return { concurrency: options.concurrency, wallMs: performance.now() - started, samples, failureExamples };
}
