import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../../helpers/server.js';

/** Issue 11, defect 11: nothing taken from a request body reaches the log. */
let dir: string;
let server: TestServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-log-'));
  await makeFaqRepo(dir);
  server = await startTestServer(dir);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the access log', () => {
  it('logs a model named in the body only when the registry knows it, `unknown` otherwise', async () => {
    const secret = 'nopeAKIAIOSFODNN7EXAMPLE';
    expect((await postJson(`${server.url}/v1/faq/match`, { question: 'card', model: secret })).status).toBe(404);
    expect((await postJson(`${server.url}/v1/faq/match`, { questions: ['card'], model: secret, version: secret })).status).toBe(404);
    expect((await postJson(`${server.url}/v1/faq/match`, { question: 'card', model: 'faq' })).status).toBe(200);
    const lines = server.logs.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l) as { model?: string; route: string });
    expect(server.logs.join('\n')).not.toContain('AKIA');
    expect(lines.filter((l) => l.route === '/v1/faq/match').map((l) => l.model)).toEqual(['unknown', 'unknown', 'faq']);
  });
});
