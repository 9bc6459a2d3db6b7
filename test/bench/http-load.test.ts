import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSpeedRun, runFixedCount, runTimedLoad } from '../../bench/http-load.js';
import { summarizeRun } from '../../src/speedtest/result.js';

/**
 * The load runners against a tiny local HTTP server whose answers are known:
 * `/echo` answers `{"n": <body's n>}`, every 4th request of `/flaky` gets a
 * wrong body, `/fail` answers 500.
 */
let server: Server;
let url: string;
let flaky = 0;
const connections = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    connections.add(`${req.socket.remotePort}`);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/fail') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"X","message":"boom"}}');
        return;
      }
      const n = (JSON.parse(body || '{}') as { n?: number }).n ?? -1;
      const wrong = req.url === '/flaky' && ++flaky % 4 === 0;
      // A little latency so concurrency matters.
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n: wrong ? -1 : n })), 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const echo = (i: number) => ({ method: 'POST' as const, path: '/echo', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) });
const expectN = (body: string) => ((JSON.parse(body) as { n: number }).n >= 0 ? undefined : 'n is negative');

describe('runFixedCount (the reference speed test shape)', () => {
  it('sends exactly count requests over `concurrency` keep-alive connections and checks each body', async () => {
    connections.clear();
    const seen: number[] = [];
    const r = await runFixedCount({
      url,
      count: 40,
      concurrency: 4,
      request: (i) => echo(i),
      check: (body) => {
        seen.push((JSON.parse(body) as { n: number }).n);
        return undefined;
      },
    });
    expect(r.ok).toBe(40);
    expect(r.failed).toBe(0);
    expect(r.latency.count).toBe(40);
    expect(r.latency.min).toBeGreaterThanOrEqual(1.5); // the server waits 2 ms
    expect(r.requestsPerSecond).toBeCloseTo(40 / (r.wallMs / 1000), 6);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(connections.size).toBe(4);
  });

  it('counts bad bodies and error statuses as failures, with the first reason', async () => {
    const bad = await runFixedCount({ url, count: 8, concurrency: 2, request: () => ({ ...echo(0), path: '/flaky' }), check: expectN });
    expect(bad.ok).toBe(6);
    expect(bad.failed).toBe(2);
    expect(bad.firstFailure).toBe('n is negative');
    const failing = await runFixedCount({ url, count: 3, concurrency: 1, request: () => ({ ...echo(0), path: '/fail' }), check: expectN });
    expect(failing.ok).toBe(0);
    expect(failing.failed).toBe(3);
    expect(failing.firstFailure).toMatch(/^HTTP 500: .*boom/);
    expect(failing.samples.map((x) => [x.status, x.error])).toEqual([
      [500, 'HTTP 500'],
      [500, 'HTTP 500'],
      [500, 'HTTP 500'],
    ]);
  });
});

describe('runTimedLoad (autocannon)', () => {
  it('runs for the duration and keeps the latency of good answers only', async () => {
    flaky = 0;
    const r = await runTimedLoad({ url, connections: 4, durationSeconds: 1, requests: [0, 1, 2].map((i) => ({ ...echo(i), path: '/flaky' })), check: expectN });
    expect(r.wallMs).toBeGreaterThanOrEqual(900);
    expect(r.ok).toBeGreaterThan(20);
    // One answer in four is wrong (± the requests cut off at the end).
    expect(r.failed / (r.ok + r.failed)).toBeGreaterThan(0.2);
    expect(r.failed / (r.ok + r.failed)).toBeLessThan(0.3);
    expect(r.firstFailure).toBe('n is negative');
    expect(r.latency.count).toBe(r.ok);
    expect(r.latency.p50).toBeGreaterThanOrEqual(1.5);
    // Every answer is a sample for the speed-test report, bad bodies marked.
    expect(r.samples.filter((x) => x.error === undefined)).toHaveLength(r.ok);
    expect(r.samples.filter((x) => x.error === 'bad body')).toHaveLength(r.failed);
    expect(r.failureExamples).toEqual({ 'bad body': 'n is negative' });
    const run = asSpeedRun(r, 'POST /flaky', r.startedMs - 500);
    expect(run).toMatchObject({ route: 'POST /flaky', concurrency: 4, offsetMs: 500 });
    expect(summarizeRun(run)).toMatchObject({ ok: r.ok, failed: r.failed, errors: { 'bad body': r.failed } });
  });

  it('reports error statuses as failures', async () => {
    const r = await runTimedLoad({ url, connections: 2, durationSeconds: 1, requests: [{ ...echo(0), path: '/fail' }], check: expectN });
    expect(r.ok).toBe(0);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.firstFailure).toBe('HTTP 500');
  });
});
