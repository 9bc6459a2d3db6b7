import { describe, expect, it } from 'vitest';
import { onnxTable, runOnnxBench } from '../../bench/onnx.js';

/**
 * The bring-your-own-model benchmark, run for real but tiny: both models,
 * every protocol, the server as a child process; every answer is checked by
 * the bench itself, so a wrong or failed answer shows up as `failed`.
 */
describe('npm run bench -- onnx', () => {
  it('serves both models over OIP JSON, OIP binary and :predict beside raw ONNX Runtime, and reports ratios', async () => {
    const result = await runOnnxBench({ trees: 100, depth: 4, batchSizes: [1, 3], concurrency: [1], durationSeconds: 0.3, rawSeconds: 0.05 });
    expect(result.raw.map((r) => `${r.model}/${r.batchSize}`)).toEqual(['forest/1', 'forest/3', 'text/1', 'text/3']);
    expect(result.http).toHaveLength(2 * 3 * 2);
    for (const h of result.http) {
      expect(h.failed, `${h.model} ${h.protocol} batch ${h.batchSize}: ${h.firstFailure}`).toBe(0);
      expect(h.ok).toBeGreaterThan(0);
      expect(h.ratio).toBeCloseTo(h.rowsPerSecond / result.raw.find((r) => r.model === h.model && r.batchSize === h.batchSize)!.rowsPerSecond, 6);
    }
    for (const s of result.summary) {
      expect(Number.isFinite(s.bestRatio)).toBe(true);
      expect(Object.values(s.overheadUs).every(Number.isFinite)).toBe(true);
    }
    const table = onnxTable(result);
    expect(table).toMatch(/\| forest +\| oip-binary +\| +3 \|/);
    expect(table).toMatch(/^text: best HTTP\/raw [0-9.]+ \(.*\); overhead at batch 1, one client \(HTTP p50 − raw p50\): OIP JSON/m);
  }, 180_000);
});
