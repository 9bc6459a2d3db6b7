import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxSessionPool } from '../../../src/backends/onnx/index.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { captureLogger, imageBatch, makeTempDir, maxAbs, maxAbsDiff, multiInputModel, writeResnet } from './helpers.js';

const TINY = { depth: 18, baseWidth: 8 } as const;

function logits(outputs: Tensor[]): Float32Array {
  expect(outputs.map((o) => o.name)).toEqual(['logits']);
  return outputs[0]!.data as Float32Array;
}

function expectRtsError(code: string, message?: RegExp) {
  return expect.objectContaining({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });
}

let dir: string;
let cleanup: () => Promise<void>;
let tinyPath: string;
let multiPath: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  tinyPath = await writeResnet(dir, 'resnet18-w8.onnx', TINY);
  multiPath = join(dir, 'multi.onnx');
  await writeFile(multiPath, multiInputModel());
});
afterAll(() => cleanup());

describe('OnnxSessionPool with a generated ResNet', () => {
  let pool: OnnxSessionPool;
  beforeAll(async () => {
    pool = await OnnxSessionPool.open(tinyPath);
  });
  afterAll(() => pool.close());

  it('exposes the model metadata as OIP tensor specs', () => {
    expect(pool.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }]);
    expect(pool.outputs).toEqual([{ name: 'logits', datatype: 'FP32', shape: [-1, 1000] }]);
    expect(pool.provider).toBe('cpu');
    expect(pool.instances).toBe(1);
  });

  it('gives finite, deterministic N×1000 outputs', async () => {
    const a = await pool.run([imageBatch(2, 1)]);
    expect(a[0]!.shape).toEqual([2, 1000]);
    expect(a[0]!.datatype).toBe('FP32');
    const values = logits(a);
    expect(values.length).toBe(2000);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(maxAbs(values)).toBeGreaterThan(0);
    const b = await pool.run([imageBatch(2, 1)]);
    expect(maxAbsDiff(values, logits(b))).toBe(0);
  });

  it('answers different images differently, and a batch of 3 like three single runs', async () => {
    const batch = logits(await pool.run([imageBatch(3, 42)]));
    const whole = imageBatch(3, 42).data as Float32Array;
    const per = 3 * 224 * 224;
    const singles: Float32Array[] = [];
    for (let i = 0; i < 3; i++) {
      const one: Tensor = { name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data: whole.slice(i * per, (i + 1) * per) };
      singles.push(logits(await pool.run([one])));
    }
    const scale = maxAbs(batch);
    for (let i = 0; i < 3; i++) {
      expect(maxAbsDiff(batch.subarray(i * 1000, (i + 1) * 1000), singles[i]!)).toBeLessThan(1e-5 * Math.max(1, scale));
    }
    // Different inputs: differences far above the float noise.
    expect(maxAbsDiff(singles[0]!, singles[1]!)).toBeGreaterThan(1e-3 * scale);
    expect(maxAbsDiff(singles[1]!, singles[2]!)).toBeGreaterThan(1e-3 * scale);
  });

  it('transfers whole-buffer inputs and copies views', async () => {
    const owned = imageBatch(1, 7);
    await pool.run([owned]);
    expect((owned.data as Float32Array).length).toBe(0); // detached: moved to the worker without a copy

    const big = imageBatch(2, 7).data as Float32Array;
    const view: Tensor = { name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data: big.subarray(0, 3 * 224 * 224) };
    await pool.run([view]);
    expect(big.length).toBe(2 * 3 * 224 * 224); // still usable: the view was copied
  });

  it('returns the requested outputs and refuses unknown ones', async () => {
    expect((await pool.run([imageBatch(1, 3)], ['logits']))[0]!.name).toBe('logits');
    await expect(pool.run([imageBatch(1, 3)], ['probabilities'])).rejects.toEqual(expectRtsError('RTS_ERR_INVALID_INPUT', /unknown output "probabilities"/));
  });

  it('checks inputs against the metadata before running (INVALID_INPUT naming what was expected)', async () => {
    const good = (): Tensor => imageBatch(1, 9);
    const invalid = (inputs: Tensor[], message: RegExp) => expect(pool.run(inputs)).rejects.toEqual(expectRtsError('RTS_ERR_INVALID_INPUT', message));

    await invalid([{ ...good(), name: 'image' }], /unknown input "image".*"input" FP32 \[-1,3,224,224\]/);
    await invalid([], /missing input "input" FP32 \[-1,3,224,224\]/);
    await invalid([good(), good()], /more than once/);
    await invalid([{ ...good(), datatype: 'INT64', data: new BigInt64Array(3 * 224 * 224) }], /must be FP32, got INT64/);
    await invalid([{ ...good(), data: new Float64Array(3 * 224 * 224) }], /Float32Array, got Float64Array/);
    await invalid([{ ...good(), shape: [3, 224, 224] }], /must have shape \[-1,3,224,224\].*got \[3,224,224\]/);
    await invalid([{ ...good(), shape: [1, 3, 200, 200], data: new Float32Array(3 * 200 * 200) }], /got \[1,3,200,200\]/);
    await invalid([{ ...good(), shape: [2, 3, 224, 224] }], /needs 301056 values, got 150528/);
    await invalid([{ ...good(), shape: [-1, 3, 224, 224] }], /non-negative integers/);
  });

  it('warms up on demand with a given batch size', async () => {
    await expect(pool.warmup(4)).resolves.toBeUndefined();
    await expect(pool.warmup(0)).rejects.toEqual(expectRtsError('RTS_ERR_INVALID_INPUT'));
  });
});

describe('OnnxSessionPool errors and providers', () => {
  it('refuses a missing, corrupt or truncated model file with MODEL_LOAD_FAILED', async () => {
    await expect(OnnxSessionPool.open(join(dir, 'nope.onnx'))).rejects.toEqual(expectRtsError('RTS_ERR_MODEL_LOAD_FAILED', /not found/));
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, 'this is not an ONNX model');
    await expect(OnnxSessionPool.open(garbage)).rejects.toEqual(expectRtsError('RTS_ERR_MODEL_LOAD_FAILED', /could not load/));
    const truncated = join(dir, 'truncated.onnx');
    const bytes = await readFile(tinyPath);
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    await expect(OnnxSessionPool.open(truncated)).rejects.toEqual(expectRtsError('RTS_ERR_MODEL_LOAD_FAILED'));
    await expect(OnnxSessionPool.open(dir)).rejects.toEqual(expectRtsError('RTS_ERR_MODEL_LOAD_FAILED'));
  });

  it('refuses bad options with CONFIG', async () => {
    await expect(OnnxSessionPool.open(tinyPath, { instances: 0 })).rejects.toEqual(expectRtsError('RTS_ERR_CONFIG', /instances/));
    await expect(OnnxSessionPool.open(tinyPath, { executionProvider: 'tpu' as 'cpu' })).rejects.toEqual(expectRtsError('RTS_ERR_CONFIG'));
  });

  it("'auto' runs on CUDA where it can and otherwise falls back to CPU with a warning", async () => {
    const { logger, lines } = captureLogger();
    const pool = await OnnxSessionPool.open(tinyPath, { executionProvider: 'auto', logger, warmup: false });
    try {
      if (pool.provider === 'cpu') {
        const warning = lines.find((l) => l.level === 'warn');
        expect(warning?.msg).toMatch(/CUDA execution provider unavailable, falling back to CPU: \S+/);
        expect(warning?.obj).toMatchObject({ requested: 'auto', provider: 'cpu' });
      } else {
        expect(pool.provider).toBe('cuda');
      }
      expect(logits(await pool.run([imageBatch(1, 1)])).every(Number.isFinite)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it("'cuda' fails to load with a hint where the CUDA provider is missing", async () => {
    const opened = await OnnxSessionPool.open(tinyPath, { executionProvider: 'cuda', warmup: false }).then(
      (pool) => pool,
      (err: unknown) => err as Error,
    );
    if (opened instanceof OnnxSessionPool) {
      expect(opened.provider).toBe('cuda');
      await opened.close();
    } else {
      expect(opened).toEqual(expectRtsError('RTS_ERR_MODEL_LOAD_FAILED', /ONNXRUNTIME_NODE_INSTALL=cuda12/));
    }
  });
});

describe('OnnxSessionPool with several inputs and datatypes', () => {
  let pool: OnnxSessionPool;
  beforeAll(async () => {
    pool = await OnnxSessionPool.open(multiPath);
  });
  afterAll(() => pool.close());

  const inputs = (k = 3): Tensor[] => [
    { name: 'a', datatype: 'FP32', shape: [2, k], data: Float32Array.from({ length: 2 * k }, (_, i) => i) },
    { name: 'b', datatype: 'FP32', shape: [2, k], data: new Float32Array(2 * k).fill(0.5) },
    { name: 'text', datatype: 'BYTES', shape: [2], data: [new TextEncoder().encode('héllo'), new TextEncoder().encode('')] },
    { name: 'ids', datatype: 'INT64', shape: [2, 2], data: BigInt64Array.from([1n, -2n, 3n, 2n ** 40n]) },
  ];

  it('reads names, datatypes and symbolic dimensions', () => {
    expect(pool.inputs).toEqual([
      { name: 'a', datatype: 'FP32', shape: [-1, -1] },
      { name: 'b', datatype: 'FP32', shape: [-1, -1] },
      { name: 'text', datatype: 'BYTES', shape: [-1] },
      { name: 'ids', datatype: 'INT64', shape: [-1, 2] },
    ]);
    expect(pool.outputs.map((o) => `${o.name}:${o.datatype}`)).toEqual(['sum:FP32', 'text_out:BYTES', 'ids_out:INT64']);
  });

  it('carries FP32, BYTES and INT64 both ways, in the order asked for', async () => {
    const [ids, text, sum] = await pool.run(inputs(), ['ids_out', 'text_out', 'sum']);
    expect(Array.from(sum!.data as Float32Array)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    expect(sum!.shape).toEqual([2, 3]);
    expect((text!.data as Uint8Array[]).map((b) => new TextDecoder().decode(b))).toEqual(['héllo', '']);
    expect(text!.datatype).toBe('BYTES');
    expect(Array.from(ids!.data as BigInt64Array)).toEqual([1n, -2n, 3n, 2n ** 40n]);
  });

  it('names every missing input', async () => {
    await expect(pool.run(inputs().slice(0, 2))).rejects.toEqual(
      expectRtsError('RTS_ERR_INVALID_INPUT', /missing inputs "text" BYTES \[-1\], "ids" INT64 \[-1,2\]/),
    );
    await expect(pool.run([...inputs().slice(0, 3), { ...inputs()[3]!, data: new Int32Array(4) }])).rejects.toEqual(
      expectRtsError('RTS_ERR_INVALID_INPUT', /BigInt64Array, got Int32Array/),
    );
  });

  it('turns an ONNX Runtime failure during the run into INFERENCE_FAILED and keeps serving', async () => {
    const [a, , text, ids] = inputs(3);
    const b = inputs(4)[1]!; // [2,4] + [2,3]: fits the metadata, fails inside Add
    await expect(pool.run([a!, b, text!, ids!])).rejects.toEqual(expectRtsError('RTS_ERR_INFERENCE_FAILED', /ONNX Runtime failed to run the model/));
    expect((await pool.run(inputs()))[0]!.shape).toEqual([2, 3]);
  });
});

describe('OnnxSessionPool lifecycle', () => {
  it('runs on several instances at once and queues the rest', async () => {
    const pool = await OnnxSessionPool.open(tinyPath, { instances: 2, intraOpNumThreads: 1 });
    try {
      expect(pool.instances).toBe(2);
      const reference = logits(await pool.run([imageBatch(1, 11)]));
      const runs = [11, 11, 11, 11].map((seed) => pool.run([imageBatch(1, seed)]));
      expect(pool.busyInstances).toBe(2);
      expect(pool.queuedRuns).toBe(2);
      for (const out of await Promise.all(runs)) expect(maxAbsDiff(logits(out), reference)).toBe(0);
      expect(pool.busyInstances).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('close() waits for queued and in-flight runs, then refuses new ones', async () => {
    const pool = await OnnxSessionPool.open(tinyPath, { warmup: false });
    const runs = [pool.run([imageBatch(2, 1)]), pool.run([imageBatch(1, 2)])];
    let finished = 0;
    for (const r of runs) void r.then(() => finished++);
    await pool.close();
    expect(finished).toBe(2);
    expect((await runs[0]!)[0]!.shape).toEqual([2, 1000]);
    await expect(pool.run([imageBatch(1, 1)])).rejects.toEqual(expectRtsError('RTS_ERR_SHUTTING_DOWN'));
    await expect(pool.close()).resolves.toBeUndefined();
  });

  it('rejects the run of a worker that dies, and replaces the worker', async () => {
    const { logger, lines } = captureLogger();
    const pool = await OnnxSessionPool.open(tinyPath, { logger });
    try {
      // Kill the idle worker thread and hand it a run before its exit is noticed: the run is in
      // flight on a dead thread. (Terminating a thread while onnxruntime-node is inside a run
      // aborts the whole process, so the thread is killed between runs.)
      const slots = (pool as unknown as { slots: { instance: { worker: { terminate(): Promise<number> } } }[] }).slots;
      const killed = slots[0]!.instance.worker.terminate();
      const run = pool.run([imageBatch(1, 1)]);
      expect(pool.busyInstances).toBe(1);
      await killed;
      await expect(run).rejects.toEqual(expectRtsError('RTS_ERR_INFERENCE_FAILED', /worker 0 stopped during the run/));
      // The next run waits for the replacement and succeeds.
      expect(logits(await pool.run([imageBatch(1, 1)])).length).toBe(1000);
      expect(lines.some((l) => l.level === 'error' && /worker died/.test(l.msg))).toBe(true);
      expect(lines.some((l) => /worker replaced/.test(l.msg))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('runs a model with symbolic height and width at another size', async () => {
    const path = await writeResnet(dir, 'resnet18-dynamic.onnx', { depth: 18, baseWidth: 4, numClasses: 10, dynamicSpatial: true });
    const pool = await OnnxSessionPool.open(path);
    try {
      expect(pool.inputs[0]!.shape).toEqual([-1, 3, -1, -1]);
      const [out] = await pool.run([imageBatch(2, 3, 64)]);
      expect(out!.shape).toEqual([2, 10]);
      expect((out!.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
