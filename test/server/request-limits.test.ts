import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo, makeVisionRepo } from '../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Every route that reaches a model applies the same request limits, checked
 * once at the edge (server/params.ts) before any work: the task APIs, /score,
 * /models/{name}/score and the Open Inference Protocol's infer (issue 11,
 * defects 1 and 2), with small limits so the requests stay small.
 */
const LIMITS = { maxQuestionsPerRequest: 4, maxQuestionChars: 200, maxImagesPerRequest: 5, maxTopK: 50 };
const QUEUE = 3;

let dir: string;
let server: TestServer;
let dog: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-limits-'));
  await makeFaqRepo(dir);
  await makeVisionRepo(dir, { name: 'resnet152', maxQueueSize: QUEUE });
  dog = await readFile(new URL('../fixtures/images/dog.jpg', import.meta.url));
  server = await startTestServer(dir, { ...LIMITS, logLevel: 'silent' });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const texts = (n: number, text = 'where is my card') => Array.from({ length: n }, () => text);
const inferText = (data: string[], model = 'faq') =>
  postJson(`${server.url}/v2/models/${model}/infer`, {
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [data.length], data }],
  });
const inferImages = (n: number) =>
  postJson(`${server.url}/v2/models/resnet152/infer`, {
    inputs: [
      { name: 'image', datatype: 'BYTES', shape: [n], parameters: { content_type: 'base64' }, data: Array.from({ length: n }, () => dog.toString('base64')) },
    ],
  });
/** How many images the model has preprocessed so far (a rejected request must not add any). */
async function imagesPreprocessed(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('rtscore_preprocess_duration_seconds_count{') && l.includes('model="resnet152"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
const oipError = (r: { json: any }) => {
  expect(Object.keys(r.json)).toEqual(['error']);
  expect(typeof r.json.error).toBe('string');
};

describe('questions: the same limits on every route', () => {
  it('OIP infer: more questions than allowed → 413 before scoring', async () => {
    expect((await inferText(texts(LIMITS.maxQuestionsPerRequest))).status).toBe(200);
    const r = await inferText(texts(LIMITS.maxQuestionsPerRequest + 1));
    expect(r.status).toBe(413);
    oipError(r);
    // Refused on the tensor's shape, before a single element is decoded.
    expect(r.json.error).toMatch(/input "text": shape \[5\] has 5 elements; at most 4 are accepted/);
    const many = await inferText(texts(100_000, 'q'));
    expect(many.status).toBe(413);
    oipError(many);
  });

  it('OIP infer: a question over maxQuestionChars → 413; a blank one → 400', async () => {
    let r = await inferText(['fine', 'x'.repeat(LIMITS.maxQuestionChars + 1)]);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/element 1 is 201 characters; the limit is 200/);
    // Far over the limit: refused on its byte length, without decoding.
    r = await inferText(['é'.repeat(10_000)]);
    expect(r.status).toBe(413);
    r = await inferText(['fine', '   ']);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/element 1 must not be empty/);
    // A multi-byte question within the limit in characters passes, though over it in bytes.
    expect((await inferText(['é'.repeat(LIMITS.maxQuestionChars)])).status).toBe(200);
  });

  it('v1 and /score answer the same limits in the API shape', async () => {
    let r = await postJson(`${server.url}/v1/faq/match`, { questions: texts(5) });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('RTS_ERR_PAYLOAD_TOO_LARGE');
    r = await postJson(`${server.url}/v1/faq/match`, { question: 'x'.repeat(201) });
    expect(r.status).toBe(413);
    r = await postJson(`${server.url}/score`, { input: 'x'.repeat(201) });
    expect(r.status).toBe(413);
    r = await postJson(`${server.url}/models/faq/score`, { input: ' ' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/must not be empty/);
  });
});

describe('images: the per-request limit and the model queue, before enqueueing', () => {
  it('OIP infer: more images than maxImagesPerRequest → 413, nothing preprocessed', async () => {
    const before = await imagesPreprocessed();
    const r = await inferImages(LIMITS.maxImagesPerRequest + 1);
    expect(r.status).toBe(413);
    oipError(r);
    expect(r.json.error).toMatch(/at most 5 images per request \(got 6\)/);
    expect(await imagesPreprocessed()).toBe(before);
  });

  it('OIP infer: more images than the model queue can ever hold → 413 (not a 503 after work)', async () => {
    const before = await imagesPreprocessed();
    const r = await inferImages(QUEUE + 1);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/queues at most 3 images; this request has 4/);
    expect(await imagesPreprocessed()).toBe(before);
    const ok = await inferImages(QUEUE);
    expect(ok.status).toBe(200);
    expect(await imagesPreprocessed()).toBe(before + QUEUE);
  });

  it('v1 and /score refuse the same counts', async () => {
    const b64 = dog.toString('base64');
    let r = await postJson(`${server.url}/v1/images/classify`, { images: Array.from({ length: 4 }, () => b64) });
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/queues at most 3 images/);
    r = await postJson(`${server.url}/v1/images/classify`, { images: Array.from({ length: 6 }, () => b64) });
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/at most 5 images per request/);
    r = await postJson(`${server.url}/models/resnet152/score`, { input: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`i${i}`, b64])) });
    expect(r.status).toBe(413);
  });
});

describe('topK: one rule, at the edge', () => {
  it('an integer from 1 to maxTopK, or "all"; capped at the model\'s count', async () => {
    const ask = (topK: unknown) => postJson(`${server.url}/v1/faq/match`, { question: 'where is my card', topK });
    const all = await ask('all');
    expect(all.status).toBe(200);
    const count = all.json.matches.length;
    expect((await ask(1)).json.matches).toHaveLength(1);
    expect((await ask(LIMITS.maxTopK)).json.matches).toHaveLength(Math.min(LIMITS.maxTopK, count));
    for (const bad of [0, -1, 2.5, LIMITS.maxTopK + 1]) {
      const r = await ask(bad);
      expect(r.status, String(bad)).toBe(400);
      expect(r.json.error.code).toBe('RTS_ERR_INVALID_INPUT');
    }
    const images = async (topK: string) =>
      await fetch(`${server.url}/v1/images/classify?topK=${topK}`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: dog,
      });
    expect(((await (await images('3')).json()) as any).results[0].predictions).toHaveLength(3);
    expect((await images('0')).status).toBe(400);
    expect((await images(String(LIMITS.maxTopK + 1))).status).toBe(400);
    // A bad value is quoted, never echoed whole.
    const bad = await images('y'.repeat(5000));
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toMatch(/topK must be an integer from 1 to 50 or \\"all\\" \(got \\"y{100}…\\"\)/);
    expect(text.length).toBeLessThan(1024);
  });
});
