import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faqRatios, faqTable, runFaqBench, scorePath } from '../../bench/faq.js';
import { liveServerCount } from '../../bench/server-process.js';
import { makeFaqRepo, TEST_FAQ_COUNT } from '../helpers/faq-models.js';

/**
 * The FAQ benchmark end to end at toy sizes: the real server as a child
 * process on a tiny trained model, every code path of the bench (speed test,
 * load runs, raw floor, table), and the child gone afterwards.
 */
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'rtscore-bench-faq-'));
  await makeFaqRepo(dir, { name: 'faq' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FAQ benchmark (tiny)', () => {
  it('runs the speed test, the load runs and the raw floor against the real server', async () => {
    const lines: string[] = [];
    const result = await runFaqBench({
      modelsDir: dir,
      models: ['faq'],
      sampleSize: 30,
      speedTestRequests: 20,
      speedTestConcurrency: 4,
      connections: 4,
      durationSeconds: 1,
      rawSeconds: 0.2,
      warmupRequests: 4,
      steadyRate: 50,
      reference: false,
      print: (l) => lines.push(l),
    });
    expect(result.models).toHaveLength(1);
    const m = result.models[0]!;
    expect(m.faqCount).toBe(TEST_FAQ_COUNT);
    expect(m.questions.count).toBe(30);
    // Every response was checked against the model's FAQ count and passed.
    expect(m.speedTest).toMatchObject({ ok: 20, failed: 0, concurrency: 4, endpoint: 'POST /score' });
    expect(m.speedTest.averageMs).toBeCloseTo(m.speedTest.wallMs / 20, 9);
    expect(m.sequential).toMatchObject({ ok: 20, failed: 0, concurrency: 1 });
    for (const run of [m.load.match, m.load.score]) {
      expect(run.failed).toBe(0);
      expect(run.ok).toBeGreaterThan(10);
      expect(run.latency.count).toBe(run.ok);
      expect(run.latency.p50).toBeLessThanOrEqual(run.latency.p99);
    }
    expect(m.raw.all.topK).toBe(TEST_FAQ_COUNT);
    expect(m.raw.all.calls).toBeGreaterThanOrEqual(100);
    expect(m.raw.top5.topK).toBe(5);
    const table = faqTable(result);
    expect(table).toMatch(/speed test \(reference's\): POST \/score, all 8 FAQs/);
    expect(table).toMatch(/raw in-process match\(\[q\], topK all 8\)/);
    expect(table).toMatch(/reference 2018 .*11\.6/);
    // The steady-rate run and the bare fastify ceiling, with every answer checked.
    expect(m.steady).toMatchObject({ failed: 0, offeredRate: 50 });
    expect(m.steady.ok).toBeGreaterThan(0);
    expect(result.peers!.bare.get.failed + result.peers!.bare.echo.failed + result.peers!.healthz.failed).toBe(0);
    expect(result.peers!.bare.echo.ok).toBeGreaterThan(0);
    expect(result.peers!.reference).toEqual({ skipped: 'not asked for' });
    expect(table).toMatch(/bare fastify .*POST \/echo/);
    const ratios = faqRatios(result).join('\n');
    expect(ratios).toMatch(/rtscore GET \/healthz ÷ bare fastify GET \/healthz: \d+(\.\d)? %/);
    expect(ratios).toMatch(/faq POST \/score ÷ bare fastify POST \/echo: \d+(\.\d)? %/);
    expect(lines.join('\n')).toMatch(/starting the server/);
    expect(liveServerCount()).toBe(0);
  }, 60_000);

  it('addresses non-default models through /models/{name}/score', () => {
    expect(scorePath('faq')).toBe('/score');
    expect(scorePath('banking77')).toBe('/models/banking77/score');
  });
});
