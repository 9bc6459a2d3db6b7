/**
 * What readiness means after an explicit unload (deploy/README.md, "Readiness"),
 * as Triton defines it: the server is ready when every model it has *loaded* is
 * ready. An unloaded model leaves that set, so the pod stays ready for the
 * models it still serves; that model's own readiness turns false; with no model
 * left the pod is not ready. Only admin keys may unload when admin keys exist.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const KEY = 'client-key-0123456789';
const ADMIN = 'admin-key-0123456789';
let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-ready-'));
  await makeFaqRepo(dir, { name: 'faq' });
  await makeFaqRepo(dir, { name: 'other' });
  server = await startTestServer(dir, { apiKeys: [KEY], adminApiKeys: [ADMIN] });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const unload = (name: string, key: string) =>
  fetch(`${server.url}/v2/repository/models/${name}/unload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: '{}',
  });

it('an ordinary key may not unload a model when admin keys are configured', async () => {
  const res = await unload('faq', KEY);
  expect(res.status).toBe(403);
  expect((await get('/v2/models/faq/ready')).status).toBe(200);
});

it('after one model is unloaded the pod stays ready for the others, and that model reports not ready', async () => {
  expect((await get('/readyz')).status).toBe(200);
  expect((await unload('other', ADMIN)).status).toBe(200);

  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', models: { faq: 'READY', other: 'UNAVAILABLE' } });
  expect((await get('/v2/health/ready')).status).toBe(200);
  expect((await get('/v2/models/faq/ready')).status).toBe(200);
  const other = await get('/v2/models/other/ready');
  expect(other.status).toBe(503);
  expect(JSON.stringify(other.body)).toMatch(/unloaded/);
});

it('with every model unloaded the pod is not ready (it would serve nothing)', async () => {
  expect((await unload('faq', ADMIN)).status).toBe(200);
  const ready = await get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ status: 'unavailable', models: { faq: 'UNAVAILABLE', other: 'UNAVAILABLE' } });
  expect((await get('/v2/health/ready')).status).toBe(503);
});
