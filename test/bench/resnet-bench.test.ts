import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { benchImage, type ResnetBenchResult, resnetGoalLine, resnetPhasesTable, resnetTable, timePreprocess } from '../../bench/resnet.js';
import { phasesBetween, scrapeHistograms } from '../../bench/server-phases.js';
import { Metrics } from '../../src/server/metrics.js';
import { summarize } from '../../src/speedtest/stats.js';
import { parsePreprocessSpec } from '../../src/tasks/vision/preprocess-spec.js';

/**
 * The ResNet benchmark's pieces that need no ONNX session: the image it
 * sends, the preprocessing timer, and the table with its efficiency figures.
 * (The raw and HTTP runs are exercised by `npm run bench -- resnet --depth 18`.)
 */
describe('ResNet benchmark helpers', () => {
  it('uses the JPEG fixture by default', async () => {
    const image = await benchImage();
    expect(image.path).toMatch(/test\/fixtures\/images\/dog\.jpg$/);
    const meta = await sharp(image.bytes).metadata();
    expect(meta.format).toBe('jpeg');
  });

  it('times preprocessing of one image, at least 20 calls', async () => {
    const { bytes } = await benchImage();
    const r = await timePreprocess(bytes, parsePreprocessSpec(undefined), 0.05);
    expect(r.calls).toBeGreaterThanOrEqual(20);
    expect(r.latency.count).toBe(r.calls);
    expect(r.imagesPerSecond).toBeCloseTo(1000 / r.latency.mean, 6);
  });

  it('marks the best raw batch and computes efficiency against it', () => {
    const raw = (batchSize: number, imagesPerSecond: number) => ({
      batchSize,
      runs: 10,
      imagesPerSecond,
      latency: summarize([batchSize * 10, batchSize * 12]),
    });
    const best = raw(4, 16);
    const http = (concurrency: number, batching: 'off' | 'on', rps: number) => ({
      ok: 50,
      failed: 0,
      concurrency,
      wallMs: 8000,
      requestsPerSecond: rps,
      latency: summarize([70, 80, 90]),
      samples: [],
      startedMs: 0,
      failureExamples: {},
      batching,
      model: `resnet-batch-${batching}`,
      efficiency: rps / best.imagesPerSecond,
      phases: { images: 50, preprocessMs: 6, queueMs: 2, batches: 20, meanBatch: 2.5, inferencePerBatchMs: 60, inferencePerImageMs: 24, httpMs: 70 },
    });
    const result: ResnetBenchResult = {
      depth: 152,
      parameters: 60_192_808,
      gigaMultiplyAdds: 11.5,
      modelPath: '/x.onnx',
      modelBytes: 1,
      image: { path: 'dog.jpg', bytes: 40_660, width: 512, height: 384 },
      threads: 2,
      provider: 'cpu',
      raw: [raw(1, 15), best],
      bestRaw: best,
      preprocess: { calls: 100, imagesPerSecond: 150, latency: summarize([6, 7]) },
      http: [http(1, 'off', 12), http(4, 'on', 17.6)],
      batching: { maxBatchSize: 8, maxQueueDelayMs: 5 },
    };
    const lines = resnetTable(result).split('\n');
    expect(lines.find((l) => l.includes('batch 4'))).toMatch(/raw session\.run \(best\)/);
    expect(lines.find((l) => l.includes('batch 1'))).not.toMatch(/best/);
    expect(lines.find((l) => l.includes('concurrency 1'))).toMatch(/\| off .*\| +75 % \|/);
    expect(lines.find((l) => l.includes('concurrency 4 ') && l.includes('HTTP'))).toMatch(/on \(≤8, 5 ms\).*\| +110 % \|/);
    expect(lines.some((l) => l.includes('reference 2018') && l.includes('18.2'))).toBe(true);
    expect(resnetTable({ ...result, depth: 18 })).not.toMatch(/reference 2018/);
    // The goal line names the best run and the depth's goal.
    expect(resnetGoalLine(result)).toBe('ResNet-152 HTTP ÷ best raw images/s: best 110 % (concurrency 4, batching on) (goal ≥ 90 %)');
    expect(resnetGoalLine({ ...result, depth: 18 })).toMatch(/goal ≥ 60 %/);
    expect(resnetGoalLine({ ...result, depth: 50 })).not.toMatch(/goal/);
    // Where the time went: 70 − 6 − 2 − 60 = 2 ms of the rest.
    expect(
      resnetPhasesTable(result)
        .split('\n')
        .find((l) => l.includes('concurrency 4')),
    ).toMatch(/\| on .*\| +70 \| +6 \| +2 \| +60 \| +2\.5 \| +24 \| +2 \|/);
  });

  it("reads where a model's requests spent their time from the server's /metrics, before and after a run", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const server = createServer(async (_req, res) => {
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(await metrics.exposition());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const route = '/v1/images/classify';
      metrics.preprocess('m', '1', 0.004);
      metrics.httpRequest(route, 'POST', '200', 'm', 0.05);
      const before = await scrapeHistograms(url, 'm', route);
      // The run: 4 images in 2 batches, and another model's traffic that must not count.
      for (const s of [0.006, 0.008, 0.006, 0.008]) metrics.preprocess('m', '1', s);
      for (const s of [0.001, 0.003, 0.001, 0.003]) metrics.queueWait('m', '1', s);
      metrics.batch('m', '1', 3, 0.09);
      metrics.batch('m', '1', 1, 0.03);
      for (let i = 0; i < 4; i++) metrics.httpRequest(route, 'POST', '200', 'm', 0.1);
      metrics.preprocess('other', '1', 1);
      metrics.httpRequest(route, 'POST', '200', 'other', 1);
      const p = phasesBetween(before, await scrapeHistograms(url, 'm', route));
      expect(p.images).toBe(4);
      expect(p.preprocessMs).toBeCloseTo(7, 9);
      expect(p.queueMs).toBeCloseTo(2, 9);
      expect(p.batches).toBe(2);
      expect(p.meanBatch).toBeCloseTo(2, 9);
      expect(p.inferencePerBatchMs).toBeCloseTo(60, 9);
      expect(p.inferencePerImageMs).toBeCloseTo(30, 9);
      expect(p.httpMs).toBeCloseTo(100, 9);
    } finally {
      server.close();
    }
  });
});
