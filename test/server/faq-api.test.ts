import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

let dir: string;
let server: TestServer;
let faqs: { id: string | number; answerId: string | number; question: string }[];
let defaultTopK: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-faq-api-'));
  await makeFaqRepo(dir);
  const version = (await readdir(join(dir, 'faq')))
    .filter((v) => /^\d+$/.test(v))
    .sort()
    .at(-1)!;
  faqs = JSON.parse(await readFile(join(dir, 'faq', version, 'faqs.json'), 'utf8'));
  defaultTopK = JSON.parse(await readFile(join(dir, 'faq', 'config.json'), 'utf8')).options?.topK ?? 5;
  server = await startTestServer(dir);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('FAQ matching over HTTP', () => {
  it('ranks the FAQs for one question, best first, with the default topK', async () => {
    const r = await postJson(`${server.url}/v1/faq/match`, { question: 'How do I top up my card with cash?' });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe('faq');
    expect(r.json.version).toBe('1');
    expect(r.json.question).toBe('How do I top up my card with cash?');
    const m = r.json.matches;
    expect(m).toHaveLength(Math.min(defaultTopK, faqs.length));
    expect(m.map((x: any) => x.rank)).toEqual(m.map((_: unknown, i: number) => i + 1));
    for (let i = 1; i < m.length; i++) expect(m[i - 1].score).toBeGreaterThanOrEqual(m[i].score);
    const ids = new Set(faqs.map((f) => f.id));
    for (const x of m) {
      expect(ids.has(x.id)).toBe(true);
      expect(typeof x.question).toBe('string');
      expect(typeof x.answer).toBe('string');
      expect(x.score).toBeGreaterThan(0);
      expect(x.score).toBeLessThanOrEqual(1);
    }
  });

  it('returns every FAQ for topK "all", probabilities summing to 1', async () => {
    const r = await postJson(`${server.url}/v1/faq/match`, { question: 'card payment declined', topK: 'all' });
    expect(r.status).toBe(200);
    expect(r.json.matches).toHaveLength(faqs.length);
    const sum = r.json.matches.reduce((s: number, x: any) => s + x.score, 0);
    expect(sum).toBeCloseTo(1, 4);
  });

  it('answers a batch of questions in order', async () => {
    const questions = ['where is my new card', 'exchange rate for euros', 'cancel a transfer'];
    const r = await postJson(`${server.url}/v1/faq/match`, { questions, topK: 2, model: 'faq', version: '1' });
    expect(r.status).toBe(200);
    expect(r.json.results.map((x: any) => x.question)).toEqual(questions);
    for (const x of r.json.results) expect(x.matches).toHaveLength(2);
    // the same question alone gives the same ranking as inside the batch
    const one = await postJson(`${server.url}/v1/faq/match`, { question: questions[1], topK: 2 });
    expect(one.json.matches).toEqual(r.json.results[1].matches);
  });

  it('serves the reference /score shape for a question, also with a charset in the content type', async () => {
    const r = await postJson(`${server.url}/score`, { input: 'my card was declined at the shop' }, { 'content-type': 'application/json; charset=utf-8' });
    expect(r.status).toBe(200);
    const [rows, computed] = r.json.result;
    expect(rows).toHaveLength(faqs.length);
    for (const row of rows) expect(row).toHaveLength(3);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1][2]).toBeGreaterThanOrEqual(rows[i][2]);
    expect(computed).toMatch(/^Computed in [0-9.]+ ms$/);
    const named = await postJson(`${server.url}/models/faq/score`, { input: 'my card was declined at the shop' });
    expect(named.json.result[0].map((x: any[]) => x[0])).toEqual(rows.map((x: any[]) => x[0]));
  });

  it('answers health, readiness and version', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', models: { faq: 'READY' } });
    const version: any = await (await fetch(`${server.url}/version`)).json();
    expect(version).toMatchObject({ name: 'rtscore', models: { faq: ['1'] } });
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  const bad: [string, unknown, number, string, Record<string, string>?][] = [
    ['non-JSON', '{"question": ', 400, 'RTS_ERR_INVALID_JSON'],
    ['a JSON array', '[1,2]', 400, 'RTS_ERR_INVALID_INPUT'],
    ['a number question', { question: 42 }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['a missing question', { topK: 3 }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['an empty question', { question: '   ' }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['a huge question', { question: 'x'.repeat(6000) }, 413, 'RTS_ERR_PAYLOAD_TOO_LARGE'],
    ['both question and questions', { question: 'a', questions: ['b'] }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['an empty batch', { questions: [] }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['a non-string in a batch', { questions: ['ok', 3] }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['a bad topK', { question: 'a card', topK: 0 }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['a fractional topK', { question: 'a card', topK: 1.5 }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['an unknown model', { question: 'a card', model: 'nope' }, 404, 'RTS_ERR_MODEL_NOT_FOUND'],
    ['an unknown version', { question: 'a card', version: '9' }, 404, 'RTS_ERR_VERSION_NOT_FOUND'],
    ['an unknown field', { question: 'a card', extra: true }, 400, 'RTS_ERR_INVALID_INPUT'],
    ['a text/plain body', 'hello', 415, 'RTS_ERR_UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/plain' }],
  ];
  for (const [what, body, status, code, headers] of bad) {
    it(`answers ${status} ${code} for ${what}`, async () => {
      const r = await postJson(`${server.url}/v1/faq/match`, body, headers);
      expect(r.status).toBe(status);
      expect(r.json.error.code).toBe(code);
      expect(typeof r.json.error.message).toBe('string');
      expect(r.json.error.message.length).toBeGreaterThan(0);
    });
  }

  it('answers /score errors as JSON, never 5xx', async () => {
    for (const [body, status] of [
      [{ input: 5 }, 400],
      [{ input: '' }, 400],
      [{}, 400],
      ['nope', 400],
    ] as const) {
      const r = await postJson(`${server.url}/score`, body);
      expect(r.status).toBe(status);
      expect(r.json.error.code).toMatch(/^RTS_ERR_/);
    }
    const r = await postJson(`${server.url}/models/none/score`, { input: 'x' });
    expect(r.status).toBe(404);
  });

  it('answers 404 JSON for unknown routes (413: the "a huge question" case above)', async () => {
    const r = await fetch(`${server.url}/nothing-here`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).error.code).toBe('RTS_ERR_NOT_FOUND');
  });
});
