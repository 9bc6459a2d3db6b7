import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindOf } from '../../src/server/schema-errors.js';
import { makeFaqRepo, makeVisionRepo } from '../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

/** Errors a person can act on: one message that says what is allowed. */
let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-errors-'));
  await makeFaqRepo(dir);
  await makeVisionRepo(dir, { name: 'resnet152' });
  server = await startTestServer(dir);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function expect400(url: string, body: unknown): Promise<string> {
  const r = await postJson(`${server.url}${url}`, body);
  expect(r.status).toBe(400);
  expect(r.json.error.code).toBe('RTS_ERR_INVALID_INPUT');
  return r.json.error.message as string;
}

describe('request errors', () => {
  it('topK out of range: one message with the allowed range, in the body and in the query string', async () => {
    for (const topK of [0, -3, 2000, 1.5, 'some']) {
      expect(await expect400('/v1/faq/match', { question: 'where is my card', topK })).toBe(
        `topK must be an integer from 1 to 1000 or "all" (got ${JSON.stringify(topK)})`,
      );
    }
    const r = await fetch(`${server.url}/v1/images/classify?topK=0`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: 'x' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.message).toBe('topK must be an integer from 1 to 1000 or "all" (got "0")');
  });

  it('an unknown property is named, with the allowed ones', async () => {
    expect(await expect400('/v1/faq/match', { q: 'where is my card' })).toBe(
      'unknown property "q" in the body; allowed: question, questions, topK, model, version',
    );
  });

  it('wrong types and missing properties say what was expected', async () => {
    expect(await expect400('/v1/faq/match', { questions: ['ok', 7] })).toBe('questions[1] must be a string (got 7)');
    expect(await expect400('/v1/faq/match', { question: 'x', version: true })).toBe('version must be a string or an integer (got true)');
    expect(await expect400('/score', { inputs: 'x' })).toBe('the body needs the property "input"');
    expect(await expect400('/v1/faq/match', [1, 2])).toBe('the body must be a JSON object (sent with Content-Type: application/json)');
  });

  it('a model of the wrong kind is named with the right article', async () => {
    expect(await expect400('/v1/faq/match', { question: 'x', model: 'resnet152' })).toBe(
      'model "resnet152" is an image-classifier model, not an FAQ (text-matcher) model',
    );
  });

  it('415 lists the accepted types', async () => {
    for (const type of ['text/plain', 'application/pdf']) {
      const r = await fetch(`${server.url}/v1/faq/match`, { method: 'POST', headers: { 'content-type': type }, body: 'hello' });
      expect(r.status).toBe(415);
      const { error } = (await r.json()) as any;
      expect(error.code).toBe('RTS_ERR_UNSUPPORTED_MEDIA_TYPE');
      expect(error.message).toBe(
        `Content-Type "${type}" is not accepted; send application/json, multipart/form-data, application/octet-stream, or an image (image/jpeg, image/png, image/webp, image/gif, image/tiff)`,
      );
    }
    const bytes = await fetch(`${server.url}/v1/images/classify`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'not a picture' });
    expect(bytes.status).toBe(415);
    expect(((await bytes.json()) as any).error.message).toMatch(/^not a supported image format \(supported: .*jpeg.*png/);
  });
});

describe('kindOf', () => {
  it('describes small schemas in words', () => {
    expect(kindOf({ type: 'integer', minimum: 1, maximum: 10 })).toBe('an integer from 1 to 10');
    expect(kindOf({ type: 'number', minimum: 0 })).toBe('a number of at least 0');
    expect(kindOf({ type: 'string', enum: ['all'] })).toBe('"all"');
    expect(kindOf({ type: 'array', items: { type: 'string' } })).toBe('an array of strings');
    expect(kindOf({ anyOf: [{ type: 'string' }, { type: 'object' }] })).toBe('a string or an object');
  });
});
