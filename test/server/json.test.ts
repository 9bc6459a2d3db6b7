import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, parseJsonText } from '../../src/server/json.js';
import { echoKind, makeEchoRepo } from './oip/echo-model.js';
import { call, startV2Server, type V2Server } from './oip/http.js';

/**
 * JSON bodies: nesting is bounded (100 levels, as Triton) for every route
 * before parsing, so a deeply nested body is a 400 in the route's error
 * shape, never a 500 from a stack overflow (issue 11, defect 4).
 */
const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`;

describe('jsonDepth / parseJsonText', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth('["[[[[{{{{", "\\"[[["]')).toBe(1);
    expect(jsonDepth(nested(1_000_000))).toBe(MAX_JSON_DEPTH + 1);
  });

  it('parses up to the bound, refuses past it, and refuses prototype poisoning', () => {
    expect(parseJsonText(nested(MAX_JSON_DEPTH), 'x')).toBeInstanceOf(Array);
    expect(() => parseJsonText(nested(MAX_JSON_DEPTH + 1), 'the body')).toThrow(/the body nests arrays and objects deeper than 100 levels/);
    expect(() => parseJsonText('{"__proto__": {"x": 1}}', 'the body')).toThrow(/not valid JSON/);
    expect(() => parseJsonText('{', 'the body')).toThrow(/the body is not valid JSON/);
  });
});

describe('deeply nested JSON bodies over HTTP', () => {
  let server: V2Server;
  beforeAll(async () => {
    server = await startV2Server([echoKind], (dir) => makeEchoRepo(dir));
  });
  afterAll(async () => {
    await server?.stop();
  });

  const deep = (levels: number) => `{"ready": ${nested(levels)}, "question": "q", "input": "q", "inputs": ${nested(levels)}}`;
  const post = (path: string, body: string) => call(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it("10,000 levels → 400 on every JSON route, in the route's error shape", async () => {
    for (const path of ['/v2/repository/index', '/v2/models/echo/infer', '/v2/repository/models/echo/load']) {
      const r = await post(path, deep(10_000));
      expect(r.status, path).toBe(400);
      expect(r.json.error, path).toMatch(/deeper than 100 levels/);
    }
    for (const path of ['/v1/faq/match', '/v1/images/classify', '/score', '/models/echo/score']) {
      const r = await post(path, deep(10_000));
      expect(r.status, path).toBe(400);
      expect(r.json.error.code, path).toBe('RTS_ERR_INVALID_JSON');
      expect(r.json.error.message, path).toMatch(/deeper than 100 levels/);
    }
  });

  it('nesting within the bound still reaches the route', async () => {
    const r = await post('/v2/repository/index', `{"ready": ${nested(50)}}`);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/"ready" must be true or false, got \[\[…\]\]/);
  });
});

describe('jsonDepth string skipping', () => {
  it('handles escaped quotes and backslash runs', () => {
    expect(jsonDepth('["a\\\\", [1]]')).toBe(2);
    expect(jsonDepth('["a\\"]", [1]]')).toBe(2);
    expect(jsonDepth('["a\\\\\\"[[[", [1]]')).toBe(2);
    expect(jsonDepth('["unterminated [[[')).toBe(1);
    expect(jsonDepth(`["${'x'.repeat(1_000_000)}", {"a": [[]]}]`)).toBe(4);
  });
});
