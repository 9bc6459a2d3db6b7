import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoKind, makeEchoRepo } from '../oip/echo-model.js';
import { call, startV2Server, type V2Server } from '../oip/http.js';

/**
 * Each API family's errors come from its own fastify scope: the task APIs
 * answer `{"error": {"code", "message"}}`, the Open Inference Protocol routes
 * (and unknown URLs under /v2) `{"error": "<message>"}`, whatever failed —
 * a route, an onRequest hook (auth), body parsing, or the router.
 */
let server: V2Server;
let url: string;

beforeAll(async () => {
  server = await startV2Server([echoKind], (dir) => makeEchoRepo(dir), { apiKeys: ['k-123'] });
  url = server.url;
});
afterAll(async () => {
  await server?.stop();
});

const key = { authorization: 'Bearer k-123' };
const isOip = (json: any) => {
  expect(Object.keys(json)).toEqual(['error']);
  expect(typeof json.error).toBe('string');
};
const isApi = (json: any, what?: string) => {
  expect(Object.keys(json), what).toEqual(['error']);
  expect(typeof json.error, `${what}: ${JSON.stringify(json)}`).toBe('object');
  expect(json.error.code).toMatch(/^RTS_ERR_/);
  expect(typeof json.error.message).toBe('string');
};

describe('error shapes per scope', () => {
  it('unknown URLs: OIP shape under /v2, API shape elsewhere', async () => {
    for (const path of ['/v2/nope', '/v2/models/echo/nope', '/v2/health/nope']) {
      const r = await call(`${url}${path}`, { headers: key });
      expect(r.status, path).toBe(404);
      isOip(r.json);
    }
    for (const path of ['/v1/nope', '/v22', '/nope']) {
      const r = await call(`${url}${path}`, { headers: key });
      expect(r.status, path).toBe(404);
      isApi(r.json, path);
    }
  });

  it('a hook failure (missing key) takes the shape of the route it guards', async () => {
    const oip = await call(`${url}/v2/models/echo`);
    expect(oip.status).toBe(401);
    isOip(oip.json);
    const api = await call(`${url}/v1/faq/match`, { body: { question: 'x' } });
    expect(api.status).toBe(401);
    isApi(api.json);
  });

  it('route and body errors: OIP shape for infer, API shape for the task routes', async () => {
    const oip = await call(`${url}/v2/models/echo/infer`, { body: '{"inputs": [', headers: { ...key, 'content-type': 'application/json' } });
    expect(oip.status).toBe(400);
    isOip(oip.json);
    const api = await call(`${url}/v1/faq/match`, { body: '{"question": ', headers: { ...key, 'content-type': 'application/json' } });
    expect(api.status).toBe(400);
    isApi(api.json);
  });

  it('OIP health answers in the OIP shape', async () => {
    const r = await call(`${url}/v2/health/ready`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ready: true });
    expect((await call(`${url}/v2/health/live`)).json).toEqual({ live: true });
  });
});
