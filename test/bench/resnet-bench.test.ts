import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { benchImage, type ResnetBenchResult, resnetTable, timePreprocess } from '../../bench/resnet.js';
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
  });
});
