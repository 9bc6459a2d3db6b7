import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, defect 3: the `model` label takes only names the registry knows;
 * everything else shares one `unknown` series, so clients cannot grow
 * /metrics by naming models that do not exist.
 */
let dir: string;
let server: TestServer;
const agent = new Agent({ connections: 8 });
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-card-'));
  await makeFaqRepo(dir);
  server = await startTestServer(dir);
});
afterAll(async () => {
  await agent.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** One request naming model `name` in each of the ways a client can. */
async function nameUnknown(i: number): Promise<void> {
  const name = `x${i}`;
  const calls: [string, string, string | undefined][] = [
    ['GET', `/v2/models/${name}/ready`, undefined],
    ['GET', `/v2/models/${name}%00/ready`, undefined],
    ['POST', `/v2/models/${name}/infer`, '{"inputs":[]}'],
    ['POST', '/v1/faq/match', JSON.stringify({ question: 'card', model: name })],
    ['POST', `/models/${name}/score`, '{"input":"card"}'],
  ];
  const [method, path, body] = calls[i % calls.length]!;
  const res = await request(`${server.url}${path}`, {
    method: method as 'GET',
    dispatcher: agent,
    ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
  });
  await res.body.dump();
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
}

async function series(): Promise<{ text: string; lines: string[] }> {
  const text = await (await request(`${server.url}/metrics`, { dispatcher: agent })).body.text();
  // rtscore's own series (those requests can label), each once, without its
  // value. The runtime's default metrics come and go by themselves (a GC kind
  // on its first run, active handles by type), whatever the requests named.
  return {
    text,
    lines: text
      .split('\n')
      .filter((l) => l.startsWith('rtscore_'))
      .map((l) => l.slice(0, l.lastIndexOf(' ')))
      .sort(),
  };
}

describe('/metrics cardinality', () => {
  it('keeps the same series after 1,000 requests naming unknown models', async () => {
    for (let i = 0; i < 10; i++) await nameUnknown(i); // every route's `unknown` series exists now
    await series(); // and the scrape's own series
    const before = await series();
    for (let i = 10; i < 1010; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => nameUnknown(i + k)));
    const after = await series();
    expect(after.lines.filter((l) => !before.lines.includes(l))).toEqual([]);
    expect(after.lines).toEqual(before.lines);
    // Only the counts' digits may grow.
    expect(after.text.length - before.text.length).toBeLessThan(2048);
    expect(after.text).not.toMatch(/model="x\d+/);
    expect(after.text).not.toContain('\u0000');
    expect(after.text).toMatch(/model="unknown"/);
  });
});
