import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

/** Issue 11, defect 6: the default model is `faq` by name, never whichever text model is loaded. */
let dir: string;
let server: TestServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-default-'));
  await makeFaqRepo(dir);
  await makeFaqRepo(dir, { name: 'banking77' });
  server = await startTestServer(dir);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the default model', () => {
  it('answers 503 MODEL_NOT_READY while faq is unloaded instead of falling back to banking77', async () => {
    expect((await postJson(`${server.url}/v1/faq/match`, { question: 'my card is lost' })).json.model).toBe('faq');
    expect((await postJson(`${server.url}/v2/repository/models/faq/unload`, {})).status).toBe(200);

    const match = await postJson(`${server.url}/v1/faq/match`, { question: 'my card is lost' });
    expect(match.status).toBe(503);
    expect(match.json.error.code).toBe('RTS_ERR_MODEL_NOT_READY');
    expect(match.headers.get('retry-after')).toBeTruthy();
    const score = await postJson(`${server.url}/score`, { input: 'my card is lost' });
    expect(score.status).toBe(503);
    expect(score.json.error.code).toBe('RTS_ERR_MODEL_NOT_READY');
    // Naming the other model still works.
    expect((await postJson(`${server.url}/v1/faq/match`, { question: 'my card is lost', model: 'banking77' })).status).toBe(200);

    expect((await postJson(`${server.url}/v2/repository/models/faq/load`, {})).status).toBe(200);
    const back = await postJson(`${server.url}/score`, { input: 'my card is lost' });
    expect(back.status).toBe(200);
    expect(Array.isArray(back.json.result[0])).toBe(true);
  });
});
