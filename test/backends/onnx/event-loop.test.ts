import { afterAll, beforeAll, expect, it } from 'vitest';
import { OnnxSessionPool } from '../../../src/backends/onnx/index.js';
import { imageBatch, makeTempDir, writeResnet } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let pool: OnnxSessionPool;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  // ResNet-18 at half width: 0.45 G multiply-adds per image, so a batch of 8 takes a while.
  const path = await writeResnet(dir, 'resnet18-w32.onnx', { depth: 18, baseWidth: 32 });
  pool = await OnnxSessionPool.open(path, { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await pool?.close();
  await cleanup();
});

it('keeps the event loop free while a model runs', async () => {
  const input = imageBatch(8, 1);
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(performance.now()), 5);
  const started = performance.now();
  try {
    await pool.run([input]);
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - started;
  // onnxruntime-node on the main thread would block it for the whole run (no ticks at all).
  expect(elapsed).toBeGreaterThan(50);
  expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
  expect(Math.max(...gaps)).toBeLessThan(Math.max(50, elapsed / 2));
});
