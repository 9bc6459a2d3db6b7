/**
 * Bounded load on loopback: a fixed number of concurrent clients send requests
 * until a request count or a time limit is reached, recording for each request
 * when it started and ended, its status, which replica answered
 * (X-Rtscore-Instance) and any error.
 */
import { request } from 'undici';

export interface LoadResult {
  start: number;
  end: number;
  status: number;
  instance?: string;
  body?: unknown;
  error?: string;
}

export interface LoadOptions {
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  concurrency: number;
  /** Stop after this many requests... */
  maxRequests: number;
  /** ...or after this long, whichever comes first. */
  durationMs: number;
  /** Pause of each client between its requests (default 0: as fast as answers come). */
  pauseMs?: number;
  /** Stop early once this returns true (checked before each request). */
  until?: () => boolean;
  /** Called with each result as it arrives (to react mid-load). */
  onResult?: (r: LoadResult, index: number) => void;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const payload = JSON.stringify(options.body);
  const deadline = Date.now() + options.durationMs;
  let issued = 0;
  const client = async () => {
    while (issued < options.maxRequests && Date.now() < deadline && !options.until?.()) {
      issued++;
      const start = Date.now();
      let result: LoadResult;
      try {
        // A new connection per request: see scale-out.test.ts for why.
        const res = await request(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: payload,
          reset: true,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const text = await res.body.text();
        const instance = res.headers['x-rtscore-instance'];
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        result = { start, end: Date.now(), status: res.statusCode, body, ...(typeof instance === 'string' ? { instance } : {}) };
      } catch (err) {
        result = { start, end: Date.now(), status: 0, error: (err as Error).message };
      }
      results.push(result);
      options.onResult?.(result, results.length - 1);
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return results;
}

/** Requests answered by each instance. */
export function countByInstance(results: LoadResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) if (r.instance) counts[r.instance] = (counts[r.instance] ?? 0) + 1;
  return counts;
}
