import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoKind, makeEchoRepo } from './oip/echo-model.js';
import { call, startV2Server, type V2Server } from './oip/http.js';

/**
 * Errors quote what was wrong but never echo a whole bad value: every quoted
 * value is cut at about 100 characters (core/quote.ts; issue 11, defect 10).
 */
let server: V2Server;
beforeAll(async () => {
  server = await startV2Server([echoKind], (dir) => makeEchoRepo(dir));
});
afterAll(async () => {
  await server?.stop();
});

const huge = 'a'.repeat(1_000_000);
const post = (path: string, body: object) => call(`${server.url}${path}`, { method: 'POST', body });
const input = { name: 'i64', shape: [1], datatype: 'INT64', data: [7] };

describe('error messages quote at most ~100 characters of a bad value', () => {
  const cases: [string, string, object, RegExp][] = [
    ['"ready"', '/v2/repository/index', { ready: huge }, /"ready" must be true or false, got "a{100}…"/],
    ['an unknown input name', '/v2/models/echo/infer', { inputs: [{ ...input, name: huge }] }, /unknown input "a{100}…"/],
    ['a datatype', '/v2/models/echo/infer', { inputs: [{ ...input, datatype: huge }] }, /"datatype" must be one of .*got "a{100}…"/],
    ['an unknown output name', '/v2/models/echo/infer', { inputs: [input], outputs: [{ name: huge }] }, /unknown output "a{100}…"/],
    ['a non-string id', '/v2/models/echo/infer', { id: Array.from({ length: 100_000 }, () => 1), inputs: [input] }, /"id" must be a string, got \[1,1,.*…/],
    ['a shape', '/v2/models/echo/infer', { inputs: [{ ...input, shape: [huge] }] }, /"shape" must be .* got \["a+…/],
    ['a data element', '/v2/models/echo/infer', { inputs: [{ ...input, data: [huge] }] }, /element 0 must be .*got "a{100}…"/],
  ];
  for (const [what, path, body, message] of cases) {
    it(what, async () => {
      const r = await post(path, body);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(message);
      expect(r.body.length).toBeLessThan(1024);
    });
  }

  it('a long unknown URL', async () => {
    const r = await call(`${server.url}/v1/${'x'.repeat(8000)}`);
    expect(r.status).toBe(404);
    expect(r.body.length).toBeLessThan(1024);
  });
});
