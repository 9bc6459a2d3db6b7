import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo, makeVisionRepo } from '../helpers/models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { linearClassifierModel, linearParams, writeModelFolder } from '../tasks/onnx/fixtures.js';

/** The OpenAPI document at /openapi.json: linted, and every documented example run against the server. */
let dir: string;
let server: TestServer;
let doc: any;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-openapi-'));
  await makeFaqRepo(dir, { name: 'faq' });
  await makeVisionRepo(dir, { name: 'resnet152' });
  // A model brought as ONNX, for the KServe V1 :predict example.
  await writeModelFolder(dir, 'iris', linearClassifierModel(linearParams(3, 4, [0, 1, 2]), true));
  server = await startTestServer(dir);
  doc = await (await fetch(`${server.url}/openapi.json`)).json();
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function operations(): { method: string; path: string; op: any }[] {
  return Object.entries<any>(doc.paths).flatMap(([path, ops]) => Object.entries<any>(ops).map(([method, op]) => ({ method, path, op })));
}

describe('OpenAPI document', () => {
  it("passes Redocly's strict rule set, with an operationId and 4xx answers on every operation", async () => {
    const config = await createConfig({
      extends: ['recommended-strict'],
      rules: { 'operation-operationId': 'error', 'operation-operationId-unique': 'error', 'operation-4xx-response': 'error', 'no-empty-servers': 'error' },
    } as never);
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: `${server.url}/openapi.json`, config });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    expect(doc.servers).toEqual([{ url: '/', description: 'this rtscore server' }]);
  });

  it('documents the error answers with their shape: {"error": {code, message}}, or {"error": "…"} on /v2', () => {
    for (const { path, op } of operations()) {
      const errors = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      expect(errors.length, path).toBeGreaterThan(0);
      for (const status of errors) {
        const schema = op.responses[status].content['application/json'].schema;
        expect(schema.properties.error.type, `${path} ${status}`).toBe(path.startsWith('/v2') || path.startsWith('/v1/models') ? 'string' : 'object');
      }
    }
    const match = operations().find((o) => o.path === '/v1/faq/match')!.op;
    expect(Object.keys(match.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '413', '415', '429', '500', '503']));
  });

  it("runs every operation's example as Swagger UI sends it, successfully", async () => {
    const ran: string[] = [];
    for (const { method, path, op } of operations()) {
      let url = path;
      for (const p of op.parameters ?? []) {
        if (p.in !== 'path') continue;
        expect(p.example, `${op.operationId}: example for path parameter ${p.name}`).toBeDefined();
        url = url.replace(`{${p.name}}`, encodeURIComponent(p.example));
      }
      const init: RequestInit = { method: method.toUpperCase() };
      if (op.requestBody) {
        const [type, media] = Object.entries<any>(op.requestBody.content)[0]!;
        expect(media.example, `${op.operationId}: example body`).toBeDefined();
        init.headers = { 'content-type': type };
        init.body = JSON.stringify(media.example);
      }
      const res = await fetch(`${server.url}${url}`, init);
      const text = await res.text();
      expect(res.status, `${op.operationId} ${method.toUpperCase()} ${url}: ${text.slice(0, 300)}`).toBeLessThan(300);
      ran.push(op.operationId);
    }
    expect(new Set(ran).size).toBe(ran.length);
    expect(ran).toEqual(expect.arrayContaining(['matchFaqs', 'classifyImages', 'score', 'oipInfer', 'oipRepositoryUnload', 'v1Predict']));
  });
});
