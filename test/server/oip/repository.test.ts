import { cp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoKind, holdRequests, makeEchoRepo } from './echo-model.js';
import { type Answer, call, startV2Server, type V2Server } from './http.js';

/**
 * The model repository extension against the real server and registry:
 * index, load (new versions, changed version policy), unload — under
 * traffic, with no request failing — and admin-only access.
 */
let server: V2Server;
let url: string;

beforeAll(async () => {
  server = await startV2Server([echoKind], (dir) => makeEchoRepo(dir));
  url = server.url;
});
afterAll(async () => {
  await server?.stop();
});

const request = (delayMs = 0, path = '/v2/models/echo/infer', hold?: string) =>
  call(`${url}${path}`, {
    method: 'POST',
    body: { inputs: [{ name: 'i64', shape: [1], datatype: 'INT64', data: [7] }], parameters: { delay_ms: delayMs, ...(hold ? { hold } : {}) } },
  });
const repository = (path: string, body?: unknown) =>
  call(`${url}/v2/repository${path}`, { method: 'POST', ...(body !== undefined ? { body: body as object } : {}) });

interface Outcome {
  status: number;
  version?: string;
  error?: string;
  started: number;
  ended: number;
}

/** Clients sending requests back to back until `stop()`; every answer is kept. */
function traffic(clients = 4, delayMs = 3) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  // Woken on every answer: `settle` waits for answers, not for time.
  let wake: () => void = () => {};
  const record = (o: Outcome): void => {
    outcomes.push(o);
    wake();
  };
  const running = Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stopped) {
        const started = performance.now();
        let r: Answer;
        try {
          r = await request(delayMs);
        } catch (err) {
          record({ status: 0, error: String(err), started, ended: performance.now() });
          continue;
        }
        record({ status: r.status, version: r.json?.model_version, error: r.json?.error, started, ended: performance.now() });
      }
    }),
  );
  return {
    outcomes,
    /** Wait until `count` requests that started after `since` have answered (timing-independent on a busy machine). */
    async settle(since: number, count = 10): Promise<void> {
      while (outcomes.filter((o) => o.started > since).length < count) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    async stop(): Promise<Outcome[]> {
      stopped = true;
      await running;
      return outcomes;
    },
  };
}

describe('repository index', () => {
  it('lists every model version with its state', async () => {
    const r = await repository('/index');
    expect(r.status).toBe(200);
    expect(r.json).toEqual([{ name: 'echo', version: '1', state: 'READY', reason: '' }]);
    expect((await repository('/index', { ready: true })).json).toEqual(r.json);
    const bad = await repository('/index', { ready: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/"ready" must be true or false/);
    const notJson = await call(`${url}/v2/repository/index`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
  });

  it('refuses unknown models and unsupported load parameters', async () => {
    for (const action of ['load', 'unload']) {
      const r = await repository(`/models/nope/${action}`);
      expect(r.status, action).toBe(404);
      expect(r.json.error).toMatch(/no model "nope" in the repository/);
    }
    // Sent raw: fetch would normalise the dots away.
    const traversal = await rawPost(new URL(url), '/v2/repository/models/../load');
    expect(traversal.status).toBe(404);
    expect(traversal.body).toMatch(/no model \\"\.\.\\" in the repository/);
    const config = await repository('/models/echo/load', { parameters: { config: '{}' } });
    expect(config.status).toBe(400);
    expect(config.json.error).toMatch(/load parameter "config" is not supported/);
  });
});

describe('load and unload under traffic', () => {
  it('a new version swaps in while requests run, and none fails', async () => {
    const load = traffic();
    await load.settle(0);
    await cp(join(server.dir, 'echo', '1'), join(server.dir, 'echo', '2'), { recursive: true });
    const r = await repository('/models/echo/load');
    const loadedAt = performance.now();
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ name: 'echo', load: true });
    await load.settle(loadedAt);
    const outcomes = await load.stop();
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.version))).toEqual(new Set(['1', '2']));
    // Requests that started after the load answered were all served by version 2.
    const after = outcomes.filter((o) => o.started > loadedAt);
    expect(after.length).toBeGreaterThanOrEqual(10);
    expect(after.every((o) => o.version === '2')).toBe(true);

    const meta = await call(`${url}/v2/models/echo`);
    expect(meta.json.versions).toEqual(['2']);
    expect((await call(`${url}/v2/models/echo/versions/1`)).status).toBe(404);
    expect((await repository('/index')).json).toEqual([{ name: 'echo', version: '2', state: 'READY', reason: '' }]);
  });

  it('a changed version policy serves several versions side by side', async () => {
    await writeFile(join(server.dir, 'echo', 'config.json'), JSON.stringify({ kind: 'oip-echo', versionPolicy: { all: {} } }));
    expect((await repository('/models/echo/load', {})).status).toBe(200);
    expect((await call(`${url}/v2/models/echo`)).json.versions).toEqual(['1', '2']);
    expect((await request(0, '/v2/models/echo/versions/1/infer')).json.model_version).toBe('1');
    expect((await request(0, '/v2/models/echo/versions/2/infer')).json.model_version).toBe('2');
    expect((await request(0)).json.model_version).toBe('2');
    expect((await call(`${url}/v2/models/echo/versions/1/ready`)).json).toEqual({ name: 'echo', ready: true });
    expect((await repository('/index')).json.map((r: { version: string }) => r.version)).toEqual(['1', '2']);

    await writeFile(join(server.dir, 'echo', 'config.json'), JSON.stringify({ kind: 'oip-echo', versionPolicy: { specific: { versions: [1] } } }));
    expect((await repository('/models/echo/load')).status).toBe(200);
    expect((await call(`${url}/v2/models/echo`)).json.versions).toEqual(['1']);
    expect((await request(0, '/v2/models/echo/versions/2/infer')).status).toBe(404);
  });

  it('an in-flight request finishes when its model is reloaded or unloaded', async () => {
    // Each slow request is held inside the model until released, so the reload and the
    // unload certainly start while it is in flight on the instance they replace.
    const first = holdRequests('first');
    const slow = request(0, undefined, 'first');
    await first.arrived;
    const reload = await repository('/models/echo/load');
    expect(reload.status).toBe(200);
    first.release();
    const second = holdRequests('second');
    const slow2 = request(0, undefined, 'second');
    await second.arrived;
    let unloadAnswered = false;
    const unload = repository('/models/echo/unload').then((r) => {
      unloadAnswered = true;
      return r;
    });
    // The unload has begun once the model stops being ready; it cannot answer before the drain.
    while ((await call(`${url}/v2/models/echo/ready`)).status === 200);
    expect(unloadAnswered).toBe(false);
    second.release();
    const [s1, s2, u] = await Promise.all([slow, slow2, unload]);
    // The echo model throws if used after close: 200s prove the old instances were drained first.
    expect(s1.status).toBe(200);
    expect(s2.status).toBe(200);
    expect(u.status).toBe(200);
    expect(u.json).toEqual({ name: 'echo', unload: true });
  });

  it('after an unload, requests get a clean 503 with Retry-After, and a load brings the model back', async () => {
    const r = await request();
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(r.json).toEqual({ error: 'model "echo" is not ready (unavailable: unloaded)' });
    const ready = await call(`${url}/v2/models/echo/ready`);
    expect(ready.status).toBe(503);
    expect((await repository('/index')).json).toEqual([{ name: 'echo', version: '', state: 'UNAVAILABLE', reason: 'unloaded' }]);
    expect((await repository('/index', { ready: true })).json).toEqual([]);
    const readyMetric = async (): Promise<string | undefined> =>
      (await (await fetch(`${url}/metrics`)).text()).match(/^rtscore_model_ready\{model="echo"\} (\d)$/m)?.[1];
    expect(await readyMetric()).toBe('0');
    // Unloading again is harmless.
    expect((await repository('/models/echo/unload')).status).toBe(200);

    expect((await repository('/models/echo/load')).status).toBe(200);
    expect((await request()).status).toBe(200);
    expect(await readyMetric()).toBe('1');
  });

  it('a load that fails says why and keeps the served version', async () => {
    const configFile = join(server.dir, 'echo', 'config.json');
    await writeFile(configFile, '{"kind": "oip-echo", ');
    const r = await repository('/models/echo/load');
    expect(r.status).toBe(500);
    expect(r.json.error).toMatch(/model "echo": .*config.json is not readable JSON/);
    expect((await request()).status).toBe(200);
    await writeFile(configFile, JSON.stringify({ kind: 'no-such-kind' }));
    expect((await repository('/models/echo/load')).json.error).toMatch(/unknown kind "no-such-kind"/);
    expect((await request()).status).toBe(200);
    await writeFile(configFile, JSON.stringify({ kind: 'oip-echo' }));
    expect((await repository('/models/echo/load')).status).toBe(200);
  });

  it('unload during traffic: every answer is a 200 or a clean 503, then load during traffic drops nothing', async () => {
    const load = traffic();
    await load.settle(0);
    expect((await repository('/models/echo/unload')).status).toBe(200);
    const unloadedAt = performance.now();
    await load.settle(unloadedAt);
    const loadSentAt = performance.now();
    expect((await repository('/models/echo/load')).status).toBe(200);
    const loadedAt = performance.now();
    await load.settle(loadedAt);
    const outcomes = await load.stop();
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
    const duringUnload = outcomes.filter((o) => o.started > unloadedAt && o.ended < loadSentAt);
    expect(duringUnload.length).toBeGreaterThan(0);
    expect(duringUnload.every((o) => o.status === 503 && /not ready/.test(o.error ?? ''))).toBe(true);
    const afterLoad = outcomes.filter((o) => o.started > loadedAt);
    expect(afterLoad.length).toBeGreaterThanOrEqual(10);
    expect(afterLoad.every((o) => o.status === 200)).toBe(true);
  });
});

describe('repository access', () => {
  let secured: V2Server;
  beforeAll(async () => {
    secured = await startV2Server([echoKind], (dir) => makeEchoRepo(dir), { apiKeys: ['user-key'], adminApiKeys: ['admin-key'] });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it('needs an admin key; model readiness and inference need a key', async () => {
    const index = (key?: string) =>
      call(`${secured.url}/v2/repository/index`, { method: 'POST', ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) });
    const none = await index();
    expect(none.status).toBe(401);
    expect(Object.keys(none.json)).toEqual(['error']);
    expect((await index('user-key')).status).toBe(403);
    expect((await index('admin-key')).status).toBe(200);
    const unload = await call(`${secured.url}/v2/repository/models/echo/unload`, { method: 'POST', headers: { authorization: 'Bearer user-key' } });
    expect(unload.status).toBe(403);
    expect((await call(`${secured.url}/v2/models/echo/ready`)).status).toBe(401);
    expect((await call(`${secured.url}/v2/models/echo/ready`, { headers: { authorization: 'Bearer user-key' } })).status).toBe(200);
    expect((await call(`${secured.url}/v2/health/ready`)).status).toBe(200);
    // KServe V1's per-model readiness is no more open than the OIP one.
    expect((await call(`${secured.url}/v1/models/echo`)).status).toBe(401);
    expect((await call(`${secured.url}/v1/models/echo`, { headers: { authorization: 'Bearer user-key' } })).status).toBe(200);
    const body = { inputs: [{ name: 'i64', shape: [1], datatype: 'INT64', data: [1] }] };
    expect((await call(`${secured.url}/v2/models/echo/infer`, { body })).status).toBe(401);
    expect((await call(`${secured.url}/v2/models/echo/infer`, { body, headers: { authorization: 'Bearer user-key' } })).status).toBe(200);
  });
});

function rawPost(base: URL, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path, method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
