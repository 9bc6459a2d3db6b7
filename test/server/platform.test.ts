import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

const KEY = 'rk_live_7f3a9c1e5b2d4f60';
const ADMIN = 'rk_admin_0c9e8d7f6a5b4c3d';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-platform-'));
  await makeFaqRepo(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('API-key authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    const keyFile = join(dir, 'keys.txt');
    await writeFile(keyFile, `# mounted secret\n${KEY}\n`);
    server = await startTestServer(dir, { apiKeysFile: keyFile, adminApiKeys: [ADMIN] });
  });
  afterAll(async () => {
    await server.close();
  });

  const ask = (headers: Record<string, string>) => postJson(`${server.url}/v1/faq/match`, { question: 'lost card' }, headers);

  it('401 without a key, with a malformed header, or with a wrong key', async () => {
    for (const headers of [{}, { authorization: `Basic ${KEY}` }, { authorization: 'Bearer wrong-key' }, { 'x-api-key': 'nope' }] as Record<string, string>[]) {
      const r = await ask(headers);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('RTS_ERR_UNAUTHORIZED');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('200 with a right key (Authorization or X-API-Key)', async () => {
    expect((await ask({ authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await ask({ 'x-api-key': KEY })).status).toBe(200);
    expect((await ask({ authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  });

  it('keeps health, readiness and metrics open by default', async () => {
    for (const path of ['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready', '/metrics', '/', '/app.js', '/openapi.json', '/docs/']) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    }
  });

  it('403 for a valid non-admin key on repository control, 200 for an admin key', async () => {
    const user = await postJson(`${server.url}/v2/repository/index`, {}, { authorization: `Bearer ${KEY}` });
    expect(user.status).toBe(403);
    const none = await postJson(`${server.url}/v2/repository/index`, {});
    expect(none.status).toBe(401);
    const admin = await postJson(`${server.url}/v2/repository/index`, {}, { authorization: `Bearer ${ADMIN}` });
    expect(admin.status).toBe(200);
  });

  it('never writes keys, tokens, cookies or bodies to the logs', async () => {
    const secretQuestion = 'my password is hunter2-zebra, why was my transfer declined';
    await postJson(`${server.url}/v1/faq/match`, { question: secretQuestion }, { authorization: `Bearer ${KEY}`, cookie: 'session=abcdef123456' });
    await postJson(`${server.url}/v1/faq/match`, { question: secretQuestion }, { 'x-api-key': KEY });
    await postJson(`${server.url}/v1/faq/match`, { question: secretQuestion }, { authorization: 'Bearer guessed-token-999' });
    const all = server.logs.join('\n');
    expect(server.logs.some((l) => JSON.parse(l).msg === 'request')).toBe(true);
    for (const secret of [KEY, ADMIN, 'abcdef123456', 'hunter2-zebra', 'guessed-token-999']) expect(all).not.toContain(secret);
    // every access line carries the request id
    const access = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(access.every((l) => typeof l.reqId === 'string' && l.reqId.length > 0)).toBe(true);
  });
});

describe('request ids, headers, limits and metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir, { bodyLimitBytes: 4096, rateLimitPerMinute: 0, instanceId: 'pod-a' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('echoes X-Request-Id (or makes one) and names the instance', async () => {
    const r = await postJson(`${server.url}/v1/faq/match`, { question: 'atm fees' }, { 'x-request-id': 'abc-123' });
    expect(r.headers.get('x-request-id')).toBe('abc-123');
    expect(r.headers.get('x-rtscore-instance')).toBe('pod-a');
    const r2 = await postJson(`${server.url}/v1/faq/match`, { question: 'atm fees' });
    expect(r2.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.some((l) => JSON.parse(l).reqId === 'abc-123')).toBe(true);
  });

  it('sends security headers and no CORS headers by default', async () => {
    const r = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 413 for a body over the limit and 431 for huge headers', async () => {
    const big = await postJson(`${server.url}/v1/faq/match`, { question: 'y'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('RTS_ERR_PAYLOAD_TOO_LARGE');
    const res = await request(`${server.url}/healthz`, { headers: { 'x-filler': 'z'.repeat(20_000) } });
    expect(res.statusCode).toBe(431);
  });

  it('counts requests, latencies and in-flight work in /metrics', async () => {
    await postJson(`${server.url}/v1/faq/match`, { question: 'exchange rate' });
    await postJson(`${server.url}/v1/faq/match`, { question: '' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/rtscore_http_requests_total\{route="\/v1\/faq\/match",method="POST",status="200",model="faq"\} [1-9]/);
    expect(text).toMatch(/rtscore_http_requests_total\{route="\/v1\/faq\/match",method="POST",status="400",model="[a-z]*"\} [1-9]/);
    expect(text).toMatch(/rtscore_http_request_duration_seconds_bucket\{le="0\.5",route="\/v1\/faq\/match"/);
    expect(text).toContain('rtscore_in_flight_requests');
    expect(text).toMatch(/rtscore_model_load_duration_seconds_count\{model="faq",version="1"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
  });
});

describe('compressed bodies', () => {
  let server: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir, { bodyLimitBytes: 4096 });
    plain = await startTestServer(dir, { compressResponses: false });
  });
  afterAll(async () => {
    await server.close();
    await plain.close();
  });

  const send = (url: string, body: Buffer | string, headers: Record<string, string>) =>
    request(`${url}/v1/faq/match`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const question = (q: string) => JSON.stringify({ question: q, topK: 2 });

  it('decodes gzip, deflate and br request bodies like plain ones', async () => {
    const want = (await (await send(server.url, question('lost card'), {})).body.json()) as { matches: { id: string }[] };
    for (const [encoding, encode] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const) {
      const res = await send(server.url, encode(question('lost card')), { 'content-encoding': encoding });
      expect(res.statusCode, encoding).toBe(200);
      const got = (await res.body.json()) as { matches: { id: string }[] };
      expect(got.matches.map((r) => r.id)).toEqual(want.matches.map((r) => r.id));
    }
  });

  it('applies the body limit to the decoded size (a small gzip of a huge body is 413)', async () => {
    const bomb = gzipSync(question('x'.repeat(200_000)));
    expect(bomb.length).toBeLessThan(4096);
    const res = await send(server.url, bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('RTS_ERR_PAYLOAD_TOO_LARGE');
  });

  it('answers 415 for an unknown encoding and 400 for a body that is not what it claims', async () => {
    const unknown = await send(server.url, gzipSync(question('atm')), { 'content-encoding': 'compress' });
    expect(unknown.statusCode).toBe(415);
    const e1 = ((await unknown.body.json()) as { error: { code: string; message: string } }).error;
    expect(e1.code).toBe('RTS_ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(e1.message).toMatch(/compress/);
    const bad = await send(server.url, question('atm'), { 'content-encoding': 'gzip' });
    expect(bad.statusCode).toBe(400);
    const e2 = ((await bad.body.json()) as { error: { code: string; message: string } }).error;
    expect(e2.code).toBe('RTS_ERR_INVALID_INPUT');
    expect(e2.message).toMatch(/could not be decoded as its Content-Encoding says: ./);
    const multipart = await request(`${server.url}/v1/images/classify`, {
      method: 'POST',
      body: gzipSync('--b\r\n'),
      headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-encoding': 'gzip' },
    });
    expect(multipart.statusCode).toBe(415);
    await multipart.body.dump();
    // The server is still healthy after all of that.
    expect((await send(server.url, question('atm'), {})).statusCode).toBe(200);
  });

  it('compresses answers of 1 KiB or more when asked, unless turned off', async () => {
    const all = JSON.stringify({ question: 'lost card', topK: 1000 });
    const zipped = await send(server.url, all, { 'accept-encoding': 'gzip' });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(Buffer.from(await zipped.body.arrayBuffer())).toString('utf8')) as { matches: unknown[] };
    expect(body.matches.length).toBeGreaterThan(1);
    const small = await send(server.url, JSON.stringify({ question: 'lost card', topK: 1 }), { 'accept-encoding': 'gzip' });
    const smallBody = Buffer.from(await small.body.arrayBuffer());
    expect(smallBody.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
    const off = await send(plain.url, all, { 'accept-encoding': 'gzip' });
    expect(off.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(Buffer.from(await off.body.arrayBuffer()).toString('utf8')) as { matches: unknown[] }).matches.length).toBe(body.matches.length);
  });
});

describe('rate limiting and CORS when configured', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir, { rateLimitPerMinute: 3, corsOrigins: ['https://app.example'] });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 429 with Retry-After past the per-minute limit, health stays open', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postJson(`${server.url}/v1/faq/match`, { question: 'card' })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const r = await postJson(`${server.url}/v1/faq/match`, { question: 'card' });
    expect(r.json.error.code).toBe('RTS_ERR_RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('allows the configured origin only', async () => {
    const ok = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://app.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('TLS', () => {
  it('serves HTTPS with a given certificate and key', async () => {
    const certDir = await mkdtemp(join(tmpdir(), 'rts-tls-'));
    const cert = join(certDir, 'cert.pem');
    const key = join(certDir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const server = await startTestServer(dir, { tlsCert: cert, tlsKey: key });
    try {
      expect(server.url.startsWith('https://')).toBe(true);
      const dispatcher = new Agent({ connect: { ca: await readFile(cert) } });
      const res = await request(`${server.url}/v1/faq/match`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'card arrival' }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(((await res.body.json()) as any).matches.length).toBeGreaterThan(0);
      // plain HTTP to the TLS port does not get an answer
      await expect(fetch(`${server.url.replace('https', 'http')}/healthz`)).rejects.toThrow();
      await dispatcher.close();
    } finally {
      await server.close();
      await rm(certDir, { recursive: true, force: true });
    }
  });
});

describe('docs', () => {
  it('serves the OpenAPI document and the interactive page', async () => {
    const server = await startTestServer(dir);
    try {
      const doc: any = await (await fetch(`${server.url}/openapi.json`)).json();
      expect(doc.openapi).toBe('3.0.3');
      for (const path of ['/v1/faq/match', '/score', '/v1/images/classify', '/healthz']) expect(doc.paths[path]).toBeDefined();
      const page = await fetch(`${server.url}/docs/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
    } finally {
      await server.close();
    }
  });
});
