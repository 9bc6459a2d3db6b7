import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { BodyCheck } from '../src/speedtest/checks.js';
import { fmt, type LatencySummary, summarize } from '../src/speedtest/stats.js';
import { prepareModel } from '../src/tasks/onnx/prepare.js';
import * as F from '../test/tasks/onnx/fixtures.js';
import { type HttpRequestSpec, type HttpRunResult, runFixedCount, runTimedLoad } from './http-load.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { renderTable } from './table.js';

/**
 * Bring-your-own-model serving (`kind: onnx`) against raw ONNX Runtime, in
 * one run: a tabular tree ensemble shaped like skl2onnx's RandomForest export
 * (default ZipMap) and the TF-IDF text pipeline. Raw = one in-process
 * `InferenceSession.run` of the same (load-time-fixed) graph, sequential.
 * HTTP = the real server as a child process, OIP JSON, OIP binary and KServe
 * `:predict`, each request carrying `batch` rows.
 */
export interface OnnxBenchOptions {
  /** Trees of the ensemble (≥ 100). Default 150. */
  trees?: number;
  depth?: number;
  features?: number;
  /** Rows per request / per raw run. Default [1, 32]. */
  batchSizes?: number[];
  /** HTTP concurrencies. Default [1, 4]. */
  concurrency?: number[];
  durationSeconds?: number;
  rawSeconds?: number;
  /** ONNX Runtime intra-op threads, raw and in the server. Default 1. */
  threads?: number;
  print?: (line: string) => void;
}

export type Protocol = 'oip-json' | 'oip-binary' | 'v1-predict';

export interface RawResult {
  model: string;
  batchSize: number;
  runs: number;
  rowsPerSecond: number;
  /** One `run`, in µs. */
  latencyUs: LatencySummary;
}

export interface HttpResult extends HttpRunResult {
  model: string;
  protocol: Protocol;
  batchSize: number;
  rowsPerSecond: number;
  /** HTTP rows/s ÷ raw rows/s at the same batch size. */
  ratio: number;
}

export interface ModelSummary {
  model: string;
  /** Best HTTP ÷ raw throughput ratio over protocols, batch sizes and concurrencies. */
  bestRatio: number;
  bestAt: string;
  /** HTTP p50 − raw p50 at batch 1, concurrency 1, by protocol, in µs. */
  overheadUs: Record<Protocol, number>;
}

export interface OnnxBenchResult {
  threads: number;
  trees: number;
  raw: RawResult[];
  http: HttpResult[];
  summary: ModelSummary[];
}

interface BenchModel {
  name: string;
  bytes: Uint8Array;
  input: string;
  datatype: 'FP32' | 'BYTES';
  width: number;
  /** The i-th row. */
  row: (i: number) => number[] | string;
}

const WORDS = Array.from({ length: 600 }, (_, i) => `w${i.toString(36)}`);

function models(trees: number, depth: number, features: number): BenchModel[] {
  const forest = F.forestParams(trees, depth, features, [0, 1, 2], 42);
  const random = F.seeded(5);
  const rows = Array.from({ length: 256 }, () => Array.from({ length: features }, () => Math.fround(random() * 2 - 1)));
  const vocabulary = WORDS;
  const text: F.TextParams = {
    vocabulary,
    idf: vocabulary.map(() => Math.fround(1 + random() * 3)),
    classifier: F.linearParams(
      12,
      vocabulary.length,
      Array.from({ length: 12 }, (_, i) => `intent_${i}`),
      9,
    ),
  };
  const sentences = Array.from({ length: 256 }, () => Array.from({ length: 12 }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' '));
  return [
    { name: 'forest', bytes: F.treeClassifierModel(forest, true), input: 'X', datatype: 'FP32', width: features, row: (i) => rows[i % rows.length]! },
    { name: 'text', bytes: F.textPipelineModel(text, true), input: 'input', datatype: 'BYTES', width: 1, row: (i) => sentences[i % sentences.length]! },
  ];
}

async function rawRun(model: BenchModel, batch: number, seconds: number, threads: number): Promise<RawResult> {
  const prepared = prepareModel(model.bytes, model.name);
  const session = await ort.InferenceSession.create(prepared.bytes ?? model.bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const rows = Array.from({ length: batch }, (_, i) => model.row(i));
  const feed = () => ({
    [model.input]:
      model.datatype === 'FP32'
        ? new ort.Tensor('float32', Float32Array.from((rows as number[][]).flat()), [batch, model.width])
        : new ort.Tensor('string', rows as string[], [batch, 1]),
  });
  for (let i = 0; i < 20; i++) await session.run(feed());
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000 || times.length < 20) {
    const t0 = performance.now();
    await session.run(feed());
    times.push((performance.now() - t0) * 1000);
  }
  const wall = (performance.now() - started) / 1000;
  await session.release();
  return { model: model.name, batchSize: batch, runs: times.length, rowsPerSecond: (times.length * batch) / wall, latencyUs: summarize(times) };
}

function requestFor(model: BenchModel, protocol: Protocol, batch: number): HttpRequestSpec {
  const rows = Array.from({ length: batch }, (_, i) => model.row(i));
  if (protocol === 'v1-predict') {
    return {
      method: 'POST',
      path: `/v1/models/${model.name}:predict`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: rows }),
    };
  }
  const shape = [batch, model.width];
  if (protocol === 'oip-json') {
    const body = JSON.stringify({ inputs: [{ name: model.input, datatype: model.datatype, shape, data: rows }] });
    return { method: 'POST', path: `/v2/models/${model.name}/infer`, headers: { 'content-type': 'application/json' }, body };
  }
  const blob =
    model.datatype === 'FP32'
      ? Buffer.from(Float32Array.from((rows as number[][]).flat()).buffer)
      : Buffer.concat(
          (rows as string[]).flatMap((s) => {
            const bytes = Buffer.from(s, 'utf8');
            const length = Buffer.alloc(4);
            length.writeUInt32LE(bytes.length);
            return [length, bytes];
          }),
        );
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: model.input, datatype: model.datatype, shape, parameters: { binary_data_size: blob.length } }],
      parameters: { binary_data_output: true },
    }),
  );
  return {
    method: 'POST',
    path: `/v2/models/${model.name}/infer`,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    body: Buffer.concat([header, blob]),
  };
}

/** Every answer must carry one prediction (or one label) per row. */
function checkFor(protocol: Protocol, batch: number): BodyCheck {
  return (body) => {
    if (protocol === 'v1-predict') {
      const n = (JSON.parse(body) as { predictions?: unknown[] }).predictions?.length;
      return n === batch ? undefined : `expected ${batch} predictions, got ${String(n)}`;
    }
    const shape = `"shape":[${batch}]`;
    return body.includes('"name":"label"') && body.includes(shape) ? undefined : `no label output of shape [${batch}] in ${body.slice(0, 120)}`;
  };
}

export async function runOnnxBench(options: OnnxBenchOptions = {}): Promise<OnnxBenchResult> {
  const print = options.print ?? (() => {});
  const trees = options.trees ?? 150;
  const threads = options.threads ?? 1;
  const batchSizes = options.batchSizes ?? [1, 32];
  const concurrency = options.concurrency ?? [1, 4];
  const duration = options.durationSeconds ?? 3;
  const rawSeconds = options.rawSeconds ?? 2;
  const list = models(trees, options.depth ?? 8, options.features ?? 20);

  const raw: RawResult[] = [];
  for (const model of list) {
    for (const batch of batchSizes) {
      const r = await rawRun(model, batch, rawSeconds, threads);
      raw.push(r);
      print(`raw ${model.name} batch ${batch}: ${fmt(r.rowsPerSecond)} rows/s, p50 ${fmt(r.latencyUs.p50)} µs`);
    }
  }

  const dir = await mkdtemp(join(os.tmpdir(), 'rtscore-bench-onnx-'));
  const http: HttpResult[] = [];
  let server: ServerProcess | undefined;
  try {
    // Folders as a user brings them: only {"kind": "onnx"} and 1/model.onnx (ZipMap and locale fixed at load).
    for (const model of list) await F.writeModelFolder(dir, model.name, model.bytes);
    server = await startServerProcess({ modelsDir: dir, models: list.map((m) => m.name), env: { RTSCORE_ONNX_THREADS: String(threads) } });
    for (const model of list) {
      for (const protocol of ['oip-json', 'oip-binary', 'v1-predict'] as const) {
        for (const batch of batchSizes) {
          const spec = requestFor(model, protocol, batch);
          const check = checkFor(protocol, batch);
          const base = raw.find((r) => r.model === model.name && r.batchSize === batch)!;
          for (const c of concurrency) {
            await runFixedCount({ url: server.url, count: 4 * c, concurrency: c, request: () => spec, check });
            const r = await runTimedLoad({ url: server.url, connections: c, durationSeconds: duration, requests: [spec], check });
            const rowsPerSecond = r.requestsPerSecond * batch;
            http.push({ ...r, model: model.name, protocol, batchSize: batch, rowsPerSecond, ratio: rowsPerSecond / base.rowsPerSecond });
            print(
              `  ${model.name} ${protocol} batch ${batch} c=${c}: ${fmt(rowsPerSecond)} rows/s (${fmt(rowsPerSecond / base.rowsPerSecond, 2)} of raw), p50 ${fmt(r.latency.p50 * 1000)} µs, ${r.ok} ok, ${r.failed} failed${r.firstFailure ? ` (${r.firstFailure})` : ''}`,
            );
          }
        }
      }
    }
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const summary = list.map((model): ModelSummary => {
    const mine = http.filter((h) => h.model === model.name);
    const best = mine.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const raw1 = raw.find((r) => r.model === model.name && r.batchSize === 1);
    const overheadUs = Object.fromEntries(
      (['oip-json', 'oip-binary', 'v1-predict'] as const).map((p) => {
        const h = mine.find((x) => x.protocol === p && x.batchSize === 1 && x.concurrency === 1);
        return [p, h && raw1 ? h.latency.p50 * 1000 - raw1.latencyUs.p50 : Number.NaN];
      }),
    ) as Record<Protocol, number>;
    return { model: model.name, bestRatio: best.ratio, bestAt: `${best.protocol}, batch ${best.batchSize}, c=${best.concurrency}`, overheadUs };
  });
  return { threads, trees, raw, http, summary };
}

export function onnxTable(result: OnnxBenchResult): string {
  const rows = result.http.map((h) => {
    const base = result.raw.find((r) => r.model === h.model && r.batchSize === h.batchSize)!;
    return [
      h.model,
      h.protocol,
      String(h.batchSize),
      String(h.concurrency),
      fmt(h.rowsPerSecond),
      fmt(base.rowsPerSecond),
      fmt(h.ratio, 2),
      fmt(h.latency.p50 * 1000),
      fmt(base.latencyUs.p50),
      String(h.failed),
    ];
  });
  const table = renderTable(['model', 'protocol', 'batch', 'conc.', 'HTTP rows/s', 'raw rows/s', 'HTTP/raw', 'HTTP p50 µs', 'raw p50 µs', 'failed'], rows, {
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  const lines = result.summary.map(
    (s) =>
      `${s.model}: best HTTP/raw ${fmt(s.bestRatio, 2)} (${s.bestAt}); overhead at batch 1, one client (HTTP p50 − raw p50): OIP JSON ${fmt(s.overheadUs['oip-json'])} µs, OIP binary ${fmt(s.overheadUs['oip-binary'])} µs, :predict ${fmt(s.overheadUs['v1-predict'])} µs`,
  );
  return [table, '', ...lines].join('\n');
}
