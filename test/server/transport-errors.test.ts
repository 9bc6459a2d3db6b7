import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { type RawResponse, sendRaw } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, defects 7 and 8: what Node and fastify answer before any route
 * runs is in the documented error shape, and requestTimeoutMs holds for
 * headers and bodies that never finish.
 */
const TIMEOUT_MS = 1000;
let dir: string;
let server: TestServer;
let port: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-transport-'));
  await makeFaqRepo(dir);
  server = await startTestServer(dir, { requestTimeoutMs: TIMEOUT_MS });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function apiError(res: RawResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const json = JSON.parse(res.body.toString('utf8'));
  expect(Object.keys(json)).toEqual(['error']);
  expect(json.error.code).toBe(code);
  expect(typeof json.error.message).toBe('string');
}

function oipError(res: RawResponse, status: number): void {
  expect(res.status).toBe(status);
  const json = JSON.parse(res.body.toString('utf8'));
  expect(Object.keys(json)).toEqual(['error']);
  expect(typeof json.error).toBe('string');
}

const raw = (s: string) => Buffer.from(s, 'latin1');

describe("Node's and fastify's own 4xx answers (defect 8)", () => {
  it.each([
    ['a NUL byte in a header', 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Evil: a\u0000b\r\n\r\n'],
    ['an unknown method', 'FOO /healthz HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a bad chunk size', 'POST /v1/faq/match HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'POST /v1/faq/match HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: a\r\n\r\n'],
  ])('%s → 400 in the documented shape', async (_what, request) => {
    apiError(await sendRaw(port, raw(request)), 400, 'RTS_ERR_INVALID_INPUT');
  });

  it('headers over the limit → 431 in the documented shape', async () => {
    apiError(await sendRaw(port, raw(`GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)), 431, 'RTS_ERR_HEADERS_TOO_LARGE');
  });

  it('no Host header → 400 in the documented shape', async () => {
    apiError(
      await sendRaw(port, {
        method: 'POST',
        path: '/v1/faq/match',
        headers: [['Content-Type', 'application/json']],
        body: raw('{"question":"card"}'),
        noHost: true,
      }),
      400,
      'RTS_ERR_INVALID_INPUT',
    );
    oipError(await sendRaw(port, { method: 'GET', path: '/v2/models/faq', headers: [], body: Buffer.alloc(0), noHost: true }), 400);
  });

  it('Expect: 999 → 417 in the documented shape', async () => {
    apiError(
      await sendRaw(port, {
        method: 'POST',
        path: '/v1/faq/match',
        headers: [
          ['Content-Type', 'application/json'],
          ['Expect', '999'],
        ],
        body: raw('{"question":"card"}'),
      }),
      417,
      'RTS_ERR_EXPECTATION_FAILED',
    );
  });

  it("fastify's bad URL and over-long parameter → 400 and 414 in each API's shape", async () => {
    const get = (path: string) => sendRaw(port, { method: 'GET', path, headers: [], body: Buffer.alloc(0) });
    oipError(await get('/v2/models/%zz/ready'), 400);
    oipError(await get(`/v2/models/${'x'.repeat(300)}/ready`), 414);
    apiError(await get('/models/%zz/score'), 400, 'RTS_ERR_INVALID_INPUT');
    const long = await sendRaw(port, {
      method: 'POST',
      path: `/models/${'x'.repeat(300)}/score`,
      headers: [['Content-Type', 'application/json']],
      body: raw('{"input":"a"}'),
    });
    apiError(long, 414, 'RTS_ERR_URI_TOO_LONG');
  });
});

/** Send `bytes` and hold the connection open; resolve with the answer and how long it took. */
function stall(bytes: string): Promise<{ res: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ res: data, ms: performance.now() - started }));
  });
}

describe('requestTimeoutMs (defect 7)', () => {
  it('answers 408 in the documented shape when the headers never finish, at the configured figure', async () => {
    const { res, ms } = await stall('GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)).error.code).toBe('RTS_ERR_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS * 4); // Node's defaults answered after 30 s (its check interval)
  });

  it('answers 408 when the body is shorter than its Content-Length', async () => {
    const { res, ms } = await stall('POST /v1/faq/match HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"question":');
    expect(res).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)).error.code).toBe('RTS_ERR_TIMEOUT');
    expect(ms).toBeLessThan(TIMEOUT_MS * 4);
  });
});
