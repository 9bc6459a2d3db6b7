import { type Agent, request } from 'undici';

/** Small load-generation helpers for the reliability tests (127.0.0.1 only). */
export interface Outcome {
  status: number;
  /** Seconds from sending to the end of the answer. */
  seconds: number;
  retryAfter?: string;
  code?: string;
  error?: string;
}

export async function post(agent: Agent, url: string, body: Buffer | string, contentType: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await request(url, { method: 'POST', body, headers: { 'content-type': contentType }, dispatcher: agent });
    const text = await res.body.text();
    const outcome: Outcome = { status: res.statusCode, seconds: (performance.now() - started) / 1000 };
    const retry = res.headers['retry-after'];
    if (typeof retry === 'string') outcome.retryAfter = retry;
    if (res.statusCode >= 400) {
      try {
        outcome.code = (JSON.parse(text) as { error: { code: string } }).error.code;
      } catch {
        outcome.code = text.slice(0, 100);
      }
    }
    return outcome;
  } catch (err) {
    return { status: 0, seconds: (performance.now() - started) / 1000, error: (err as Error).message };
  }
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Run `fn` with `concurrency` workers until `count` calls are done. */
export async function closedLoop<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) out.push(await fn(next++));
    }),
  );
  return out;
}

/** Resident memory of a process (Linux /proc), in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}
