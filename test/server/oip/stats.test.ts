import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelKinds } from '../../../src/cli/kinds.js';
import { Batcher } from '../../../src/core/batcher.js';
import type { InferOptions, Model, ModelKind, ModelLoadContext, ModelMetadata } from '../../../src/core/model.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { makeFaqRepo, TEST_FAQ_COUNT } from '../../helpers/faq-models.js';
import { call, startV2Server, type V2Server } from './http.js';

/**
 * The OIP statistics extension, Triton's model configuration route, and the
 * `timeout` parameter, on the real server: a real FAQ model, and a "gated"
 * model whose runs go through the real dynamic batcher but wait for the test
 * to open a gate, so a request can be held queued deterministically.
 */
class Gate {
  private opened!: () => void;
  readonly open = new Promise<void>((resolve) => (this.opened = resolve));
  release(): void {
    this.opened();
  }
}

const gated = {
  gate: new Gate(),
  /** Resolves with the items of each run as it starts. */
  runs: [] as number[][],
  runStarted: undefined as (() => void) | undefined,
};

class GatedModel implements Model {
  readonly kind = 'gated';
  readonly metadata: ModelMetadata;
  private readonly batcher: Batcher<number, number>;
  constructor(
    readonly name: string,
    readonly version: string,
    ctx: ModelLoadContext,
  ) {
    this.metadata = {
      name,
      version,
      kind: this.kind,
      platform: 'rtscore_test',
      maxBatchSize: 4,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    };
    const { observer } = ctx;
    this.batcher = new Batcher<number, number>({
      maxBatchSize: 4,
      run: async (items) => {
        gated.runs.push(items);
        gated.runStarted?.();
        await gated.gate.open;
        return items.map((x) => x * 2);
      },
      onBatch: (size, seconds) => observer.batch?.(name, version, size, seconds),
      onQueueWait: (seconds) => observer.queueWait?.(name, version, seconds),
    });
  }

  async infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    const x = inputs[0]!.data as Float32Array;
    const y = await Promise.all(Array.from(x, (v) => this.batcher.submit(v, options.signal)));
    return [{ name: 'y', datatype: 'FP32', shape: [y.length], data: Float32Array.from(y) }];
  }

  async close(): Promise<void> {
    await this.batcher.close();
  }
}

const gatedKind: ModelKind = { kind: 'gated', load: async (ctx) => new GatedModel(ctx.name, ctx.version, ctx) };

let server: V2Server;

beforeAll(async () => {
  server = await startV2Server([...modelKinds, gatedKind], async (dir) => {
    await makeFaqRepo(dir, { name: 'faq' });
    await mkdir(join(dir, 'gated', '3'), { recursive: true });
    await writeFile(
      join(dir, 'gated', 'config.json'),
      JSON.stringify({ kind: 'gated', description: 'held runs', batching: { maxBatchSize: 4, maxQueueDelayMs: 0, maxQueueSize: 16 } }),
    );
  });
});

afterAll(async () => {
  gated.gate.release();
  await server?.stop();
});

const ask = (question: string, parameters?: object) =>
  call(`${server.url}/v2/models/faq/infer`, {
    body: { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [question] }], ...(parameters ? { parameters } : {}) },
  });
const gatedInfer = (x: number, parameters?: object) =>
  call(`${server.url}/v2/models/gated/infer`, {
    body: { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [x] }], ...(parameters ? { parameters } : {}) },
  });

describe('GET /v2/models/{name}/stats', () => {
  it('counts successes, failures, executions and their time', async () => {
    const before = await call(`${server.url}/v2/models/faq/stats`);
    expect(before.status).toBe(200);
    expect(before.json.model_stats).toHaveLength(1);
    // Loading ran the warm-up (executions, not requests): no inference request yet.
    const b = before.json.model_stats[0];
    expect(b).toMatchObject({ name: 'faq', version: '1', last_inference: 0 });
    expect(b.inference_stats.success).toEqual({ count: 0, ns: 0 });
    expect(b.inference_stats.fail).toEqual({ count: 0, ns: 0 });

    const startedAt = Date.now();
    expect((await ask('how do I activate my card')).status).toBe(200);
    expect((await ask('is my card on its way')).status).toBe(200);
    expect(
      (await call(`${server.url}/v2/models/faq/infer`, { body: { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['a', 'b'] }] } })).status,
    ).toBe(200);
    expect((await ask('x', { timeout: -1 })).status).toBe(400); // refused while parsing: a failed request, never run
    const wrongOutput = await call(`${server.url}/v2/models/faq/infer`, {
      body: { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['a'] }], outputs: [{ name: 'nope' }] },
    });
    expect(wrongOutput.status).toBe(400);

    const s = (await call(`${server.url}/v2/models/faq/versions/1/stats`)).json.model_stats[0];
    expect(s.inference_count - b.inference_count).toBe(4); // the batch of 2 counts twice
    expect(s.execution_count - b.execution_count).toBe(3);
    expect(s.last_inference).toBeGreaterThanOrEqual(startedAt);
    expect(s.last_inference).toBeLessThanOrEqual(Date.now());
    const st = s.inference_stats;
    expect(st.success.count).toBe(3);
    expect(st.success.ns).toBeGreaterThan(0);
    expect(st.fail.count).toBe(2);
    expect(st.compute_infer.count - b.inference_stats.compute_infer.count).toBe(4);
    expect(st.compute_infer.ns).toBeGreaterThan(b.inference_stats.compute_infer.ns);
    for (const key of ['queue', 'compute_input', 'compute_output', 'cache_hit', 'cache_miss'])
      expect(st[key]).toEqual({ count: expect.any(Number), ns: expect.any(Number) });
    const perSize = (stats: typeof s) =>
      Object.fromEntries(stats.batch_stats.map((x: { batch_size: number; compute_infer: { count: number } }) => [x.batch_size, x.compute_infer.count]));
    const after = perSize(s);
    const start = perSize(b);
    expect(after[1] - (start[1] ?? 0)).toBe(2);
    expect(after[2] - (start[2] ?? 0)).toBe(1);
  });

  it('lists every model version at /v2/models/stats, and answers 404 for unknown models and versions', async () => {
    const all = await call(`${server.url}/v2/models/stats`);
    expect(all.status).toBe(200);
    expect(all.json.model_stats.map((m: { name: string; version: string }) => `${m.name}/${m.version}`).sort()).toEqual(['faq/1', 'gated/3']);
    const unknown = await call(`${server.url}/v2/models/nope/stats`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: expect.stringContaining('nope') });
    const version = await call(`${server.url}/v2/models/faq/versions/7/stats`);
    expect(version.status).toBe(404);
    expect(version.json.error).toMatch(/no served version "7"/);
  });

  it('is announced in the server metadata', async () => {
    const meta = await call(`${server.url}/v2`);
    expect(meta.json.extensions).toEqual(expect.arrayContaining(['statistics', 'model_configuration', 'schedule_policy']));
  });
});

describe('GET /v2/models/{name}/config (Triton shape)', () => {
  it('describes the FAQ model as Triton would', async () => {
    const r = await call(`${server.url}/v2/models/faq/config`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      name: 'faq',
      platform: 'rtscore_text',
      backend: 'rtscore',
      version_policy: { latest: { num_versions: 1 } },
      max_batch_size: expect.any(Number),
      input: [{ name: 'text', data_type: 'TYPE_STRING', dims: [1] }],
      output: [
        { name: 'probabilities', data_type: 'TYPE_FP32', dims: [TEST_FAQ_COUNT], label_filename: 'probabilities.labels' },
        { name: 'label', data_type: 'TYPE_STRING', dims: [1] },
      ],
      instance_group: [{ kind: 'KIND_CPU', count: 1 }],
      parameters: { kind: { string_value: 'faq-matcher' }, faqs: { string_value: String(TEST_FAQ_COUNT) } },
    });
    expect(r.json.max_batch_size).toBeGreaterThan(0);
    expect(r.json.dynamic_batching).toBeUndefined();
    expect((await call(`${server.url}/v2/models/faq/versions/1/config`)).json).toEqual(r.json);
  });

  it('gives the dynamic batcher and the queue policy of a batched model', async () => {
    const r = await call(`${server.url}/v2/models/gated/config`);
    expect(r.json).toMatchObject({
      name: 'gated',
      max_batch_size: 4,
      input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [1] }],
      dynamic_batching: {
        max_queue_delay_microseconds: 0,
        default_queue_policy: { timeout_action: 'REJECT', allow_timeout_override: true, max_queue_size: 16 },
      },
      parameters: { description: { string_value: 'held runs' } },
    });
  });

  it('answers 404 for an unknown model', async () => {
    const r = await call(`${server.url}/v2/models/nope/config`);
    expect(r.status).toBe(404);
    expect(typeof r.json.error).toBe('string');
  });
});

describe('the OIP timeout parameter', () => {
  it('rejects a request still queued when its timeout passes, without running it; the running one finishes', async () => {
    const firstRun = new Promise<void>((resolve) => (gated.runStarted = resolve));
    const running = gatedInfer(1); // takes the batcher's only run slot and waits at the gate
    await firstRun;
    gated.runStarted = undefined;

    const late = await gatedInfer(2, { timeout: 1000 }); // 1 ms, queued behind the held run
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(late.json.error).toMatch(/waited longer than its timeout \(1000 µs\) before inference and was not run/);

    gated.gate.release();
    const first = await running;
    expect(first.status).toBe(200);
    expect(first.json.outputs[0].data).toEqual([2]);
    expect(gated.runs).toEqual([[1]]); // 2 never reached the model

    // A generous timeout does not get in the way.
    const onTime = await gatedInfer(3, { timeout: 60_000_000 });
    expect(onTime.status).toBe(200);
    expect(onTime.json.outputs[0].data).toEqual([6]);

    const s = (await call(`${server.url}/v2/models/gated/stats`)).json.model_stats[0];
    expect(s).toMatchObject({ version: '3', inference_count: 2, execution_count: 2 });
    expect(s.inference_stats.success.count).toBe(2);
    expect(s.inference_stats.fail.count).toBe(1);
    expect(s.inference_stats.queue.count).toBe(2);
  });

  it('refuses a timeout that is not a whole number of microseconds', async () => {
    for (const timeout of [-1, 1.5, 'soon', 4e9]) {
      const r = await gatedInfer(1, { timeout });
      expect(r.status, String(timeout)).toBe(400);
      expect(r.json.error).toMatch(/parameters\.timeout must be a whole number of microseconds/);
    }
  });
});
