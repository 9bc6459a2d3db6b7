import { copyFile, link, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { request } from 'undici';
import { OnnxSessionPool } from '../src/backends/onnx/index.js';
import type { Tensor } from '../src/core/tensor.js';
import { classifyCheck, top1Index } from '../src/speedtest/checks.js';
import { fmt, type LatencySummary, summarize } from '../src/speedtest/stats.js';
import { preprocessImage } from '../src/tasks/vision/preprocess.js';
import { type PreprocessSpec, parsePreprocessSpec } from '../src/tasks/vision/preprocess-spec.js';
import { type ResnetDepth, resnetSummary, writeResnetModel } from '../src/tasks/vision/resnet/index.js';
import { type HttpRequestSpec, type HttpRunResult, runFixedCount, runTimedLoad } from './http-load.js';
import { phasesBetween, type ServerPhases, scrapeHistograms } from './server-phases.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { renderTable } from './table.js';

/**
 * ResNet over HTTP (`POST /v1/images/classify` with a real JPEG) at several
 * concurrencies, with dynamic batching off and on, against the raw
 * in-process ONNX Runtime session at batch 1 and larger batches, in one run.
 */
export interface ResnetBenchOptions {
  depth: ResnetDepth;
  /** Where generated models are kept between runs. Default `<tmp>/rtscore-bench-models`. */
  cacheDir?: string;
  /** JPEG sent over HTTP and preprocessed for the raw runs. Default test/fixtures/images/dog.jpg, else a generated photo-sized JPEG. */
  image?: string;
  /** ONNX Runtime intra-op threads, raw and in the server alike. Default: the machine's cores. */
  threads?: number;
  /** ONNX Runtime execution provider, raw and in the server alike. Default `cpu`. */
  provider?: 'cpu' | 'cuda' | 'auto';
  /** Raw batch sizes. Default [1, 2, 4, 8]. */
  batchSizes?: number[];
  /** Seconds per raw batch size (at least 3 runs each). Default 8. */
  rawSeconds?: number;
  /** HTTP concurrencies. Default [1, 4, 16]. */
  concurrency?: number[];
  /** Seconds per HTTP run. Default 8. */
  durationSeconds?: number;
  /** Batching for the "on" runs. Default maxBatchSize 8, maxQueueDelayMs 5. */
  maxBatchSize?: number;
  maxQueueDelayMs?: number;
  /** Skip the HTTP runs (raw only). */
  rawOnly?: boolean;
  print?: (line: string) => void;
}

export interface RawBatchResult {
  batchSize: number;
  runs: number;
  imagesPerSecond: number;
  /** Time of one `run` of the whole batch, ms. */
  latency: LatencySummary;
}

/** Server-side preprocessing of the benchmark JPEG alone (decode, resize, crop, normalise), one at a time. */
export interface PreprocessResult {
  calls: number;
  imagesPerSecond: number;
  latency: LatencySummary;
}

export interface HttpImageResult extends HttpRunResult {
  batching: 'off' | 'on';
  model: string;
  /** HTTP images/s ÷ best raw images/s. */
  efficiency: number;
  /** Where the server's time went during the run (its /metrics before and after). */
  phases: ServerPhases;
}

export interface ResnetBenchResult {
  depth: number;
  parameters: number;
  gigaMultiplyAdds: number;
  modelPath: string;
  modelBytes: number;
  image: { path: string; bytes: number; width: number; height: number };
  threads: number;
  /** Where the raw session actually ran (after an `auto` fallback). */
  provider: string;
  raw: RawBatchResult[];
  bestRaw: RawBatchResult;
  preprocess: PreprocessResult;
  http: HttpImageResult[];
  batching: { maxBatchSize: number; maxQueueDelayMs: number };
}

export const REFERENCE_RESNET = {
  note: 'reference implementation (2018): ResNet-152, 100 requests, 4 concurrent, one NVIDIA K80 GPU pod, no batching',
  pytorch: { imagesPerSecond: 18.17, averageMs: 55.07 },
  tensorflow: { imagesPerSecond: 17.94 },
  keras: { imagesPerSecond: 13.27 },
} as const;

export function defaultCacheDir(): string {
  return join(os.tmpdir(), 'rtscore-bench-models');
}

/** The seeded ResNet of `depth` in the cache, generated on first use. */
export async function ensureResnetModel(depth: ResnetDepth, cacheDir: string, print: (line: string) => void): Promise<string> {
  const path = join(cacheDir, `resnet${depth}-seed0.onnx`);
  if (
    await stat(path).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return path;
  print(`generating ResNet-${depth} into ${path} (once; later runs reuse it)`);
  const r = await writeResnetModel(path, { depth, seed: 0, onProgress: (line) => print(`  ${line}`) });
  print(`  wrote ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s`);
  return path;
}

/** The benchmark image: the given file, the test fixture, or a generated 640×480 JPEG. */
export async function benchImage(path?: string): Promise<{ path: string; bytes: Buffer }> {
  if (path) return { path, bytes: await readFile(path) };
  const fixture = fileURLToPath(new URL(`../${import.meta.url.endsWith('.ts') ? '' : '../'}test/fixtures/images/dog.jpg`, import.meta.url));
  const bytes = await readFile(fixture).catch(() => undefined);
  if (bytes) return { path: fixture, bytes };
  // Smooth colour gradients with some texture, like a photo's JPEG size.
  const width = 640;
  const height = 480;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = 128 + 100 * Math.sin(x / 17) * Math.cos(y / 23);
    }
  }
  return {
    path: '(generated 640×480 JPEG)',
    bytes: await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  };
}

/** Time `pool.run` at one batch size for about `seconds` (at least `minRuns` runs). */
export async function timeRawBatch(
  pool: OnnxSessionPool,
  inputName: string,
  image: Float32Array,
  batchSize: number,
  seconds: number,
  minRuns = 3,
): Promise<RawBatchResult> {
  const shape = [batchSize, ...pool.inputs[0]!.shape.slice(1)];
  const makeInput = (): Tensor => {
    const data = new Float32Array(batchSize * image.length);
    for (let b = 0; b < batchSize; b++) data.set(image, b * image.length);
    return { name: inputName, datatype: 'FP32', shape, data };
  };
  await pool.run([makeInput()]); // ONNX Runtime sizes its buffers on a shape's first run
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let busy = 0;
  while (latencies.length < minRuns || performance.now() < deadline) {
    const input = makeInput(); // outside the timing: the array is handed to the worker
    const t0 = performance.now();
    await pool.run([input]);
    const ms = performance.now() - t0;
    busy += ms;
    latencies.push(ms);
  }
  return { batchSize, runs: latencies.length, imagesPerSecond: (batchSize * latencies.length) / (busy / 1000), latency: summarize(latencies) };
}

/** Time `preprocessImage` on one image, back to back, for about `seconds` (at least 20 calls). */
export async function timePreprocess(bytes: Uint8Array, spec: PreprocessSpec, seconds: number): Promise<PreprocessResult> {
  const limits = { maxPixels: 100_000_000 };
  for (let i = 0; i < 5; i++) await preprocessImage(bytes, spec, limits);
  const latencies: number[] = [];
  let busy = 0;
  const deadline = performance.now() + seconds * 1000;
  while (latencies.length < 20 || performance.now() < deadline) {
    const t0 = performance.now();
    await preprocessImage(bytes, spec, limits);
    const ms = performance.now() - t0;
    busy += ms;
    latencies.push(ms);
  }
  return { calls: latencies.length, imagesPerSecond: latencies.length / (busy / 1000), latency: summarize(latencies) };
}

/** A model folder of the image-classifier kind whose version 1 is `modelPath` (hard link, else copy). */
async function writeModelFolder(
  root: string,
  name: string,
  modelPath: string,
  onnx: { intraOpNumThreads: number; executionProvider: string },
  batching: { maxBatchSize: number; maxQueueDelayMs: number },
): Promise<void> {
  const dir = join(root, name);
  await mkdir(join(dir, '1'), { recursive: true });
  await link(modelPath, join(dir, '1', 'model.onnx')).catch(() => copyFile(modelPath, join(dir, '1', 'model.onnx')));
  const config = {
    kind: 'image-classifier',
    description: `benchmark: ResNet with batching ${batching.maxBatchSize > 1 ? 'on' : 'off'}`,
    batching: { ...batching, maxQueueSize: 256 },
    options: { file: 'model.onnx', labels: 'data/imagenet/labels.txt', topK: 5, onnx: { ...onnx, instances: 1 } },
  };
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

export async function runResnetBench(options: ResnetBenchOptions): Promise<ResnetBenchResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const threads = options.threads ?? os.availableParallelism();
  const provider = options.provider ?? 'cpu';
  const batchSizes = options.batchSizes ?? [1, 2, 4, 8];
  const rawSeconds = options.rawSeconds ?? 8;
  const concurrency = options.concurrency ?? [1, 4, 16];
  const duration = options.durationSeconds ?? 8;
  const batching = { maxBatchSize: options.maxBatchSize ?? 8, maxQueueDelayMs: options.maxQueueDelayMs ?? 5 };
  const summary = resnetSummary({ depth: options.depth });

  const modelPath = await ensureResnetModel(options.depth, options.cacheDir ?? defaultCacheDir(), print);
  const modelBytes = (await stat(modelPath)).size;
  const image = await benchImage(options.image);
  const meta = await sharp(image.bytes).metadata();
  const spec: PreprocessSpec = parsePreprocessSpec(undefined);
  const tensor = await preprocessImage(image.bytes, spec, { maxPixels: 100_000_000 });

  // 1. Raw: ONNX Runtime in this process, no HTTP, no preprocessing, no queue.
  print(
    `raw session.run: ResNet-${options.depth}, ${provider} provider, ${threads} intra-op threads, batch sizes ${batchSizes.join(', ')}, ~${rawSeconds} s each`,
  );
  const pool = await OnnxSessionPool.open(modelPath, { intraOpNumThreads: threads, executionProvider: provider, instances: 1 });
  const ranOn = pool.provider;
  const raw: RawBatchResult[] = [];
  try {
    for (const b of batchSizes) {
      const r = await timeRawBatch(pool, spec.inputName, tensor, b, rawSeconds);
      raw.push(r);
      print(`  batch ${b}: ${fmt(r.imagesPerSecond)} images/s, p50 ${fmt(r.latency.p50)} ms per run (${r.runs} runs)`);
    }
  } finally {
    await pool.close();
  }
  const bestRaw = raw.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  const preprocess = await timePreprocess(image.bytes, spec, Math.min(rawSeconds, 3));
  print(`  preprocessing alone: ${fmt(preprocess.imagesPerSecond)} images/s, p50 ${fmt(preprocess.latency.p50)} ms`);

  // 2. HTTP: the real server, one model folder per batching setting, same file.
  const http: HttpImageResult[] = [];
  if (!options.rawOnly && concurrency.length > 0) {
    const repo = await mkdtemp(join(os.tmpdir(), 'rtscore-bench-resnet-'));
    let server: ServerProcess | undefined;
    try {
      const variants = [
        { batching: 'off' as const, model: 'resnet-batch-off', config: { maxBatchSize: 1, maxQueueDelayMs: 0 } },
        { batching: 'on' as const, model: 'resnet-batch-on', config: batching },
      ];
      for (const v of variants) await writeModelFolder(repo, v.model, modelPath, { intraOpNumThreads: threads, executionProvider: provider }, v.config);
      print(`starting the server (models ${variants.map((v) => v.model).join(', ')})…`);
      server = await startServerProcess({
        modelsDir: repo,
        models: variants.map((v) => v.model),
        env: { RTSCORE_ONNX_THREADS: String(threads) },
        readyTimeoutMs: 600_000,
      });
      for (const v of variants) {
        const spec: HttpRequestSpec = {
          method: 'POST',
          path: `/v1/images/classify?model=${v.model}&topK=5`,
          headers: { 'content-type': 'image/jpeg' },
          body: image.bytes,
        };
        // Pin the answer: every later response for this image must agree.
        const check = classifyCheck(5, await firstTop1(server.url, spec));
        for (const c of concurrency) {
          // Warm-up at this concurrency (batch shapes, JIT), not measured.
          await runFixedCount({ url: server.url, count: 2 * c, concurrency: c, request: () => spec, check });
          const before = await scrapeHistograms(server.url, v.model, CLASSIFY_ROUTE);
          const r = await runTimedLoad({ url: server.url, connections: c, durationSeconds: duration, requests: [spec], check, timeoutSeconds: 120 });
          const phases = phasesBetween(before, await scrapeHistograms(server.url, v.model, CLASSIFY_ROUTE));
          const result: HttpImageResult = { ...r, batching: v.batching, model: v.model, efficiency: r.requestsPerSecond / bestRaw.imagesPerSecond, phases };
          http.push(result);
          print(
            `  HTTP concurrency ${c}, batching ${v.batching}: ${fmt(r.requestsPerSecond)} images/s, p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms, ${r.ok} ok, ${r.failed} failed${r.firstFailure ? ` (${r.firstFailure})` : ''}`,
          );
        }
      }
    } finally {
      await server?.stop();
      await rm(repo, { recursive: true, force: true });
    }
  }

  return {
    depth: options.depth,
    parameters: summary.parameters,
    gigaMultiplyAdds: summary.multiplyAdds / 1e9,
    modelPath,
    modelBytes,
    image: { path: image.path, bytes: image.bytes.length, width: meta.width ?? 0, height: meta.height ?? 0 },
    threads,
    provider: ranOn,
    raw,
    bestRaw,
    preprocess,
    http,
    batching,
  };
}

/** Send the image once, check the answer, and return its top-1 class. */
async function firstTop1(url: string, spec: HttpRequestSpec): Promise<number> {
  const res = await request(`${url}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`classify answered ${res.statusCode}: ${text.slice(0, 300)}`);
  const reason = classifyCheck(5)(text);
  if (reason) throw new Error(`classify answer is malformed: ${reason}`);
  return top1Index(text);
}

const CLASSIFY_ROUTE = '/v1/images/classify';

/** Issue 13's goals for HTTP ÷ best raw images/s: where decoding competes with inference, less is asked. */
export const EFFICIENCY_GOALS: Partial<Record<number, number>> = { 18: 0.6, 152: 0.9 };

/** The best HTTP efficiency of the run, and the goal for this depth where there is one. */
export function resnetGoalLine(r: ResnetBenchResult): string {
  const best = r.http.reduce((a, b) => (b.efficiency > a.efficiency ? b : a));
  const goal = EFFICIENCY_GOALS[r.depth];
  return `ResNet-${r.depth} HTTP ÷ best raw images/s: best ${(100 * best.efficiency).toFixed(0)} % (concurrency ${best.concurrency}, batching ${best.batching})${
    goal === undefined ? '' : ` (goal ≥ ${(100 * goal).toFixed(0)} %)`
  }`;
}

/**
 * Where each HTTP run's time went on the server, per request: preprocessing (decode,
 * resize, normalise), the queue, the backend run of its batch, and the rest of the
 * request (reading the body, answering), from the server's own histograms.
 */
export function resnetPhasesTable(r: ResnetBenchResult): string {
  const rows = r.http.map((h) => {
    const p = h.phases;
    const rest = p.httpMs - p.preprocessMs - p.queueMs - p.inferencePerBatchMs;
    return [
      `concurrency ${h.concurrency}`,
      h.batching,
      fmt(p.httpMs),
      fmt(p.preprocessMs),
      fmt(p.queueMs),
      fmt(p.inferencePerBatchMs),
      fmt(p.meanBatch),
      fmt(p.inferencePerImageMs),
      fmt(rest),
    ];
  });
  return renderTable(
    ['HTTP run', 'batching', 'server ms', 'preprocess ms', 'queue ms', 'backend ms / batch', 'mean batch', 'backend ms / image', 'rest ms'],
    rows,
    { align: ['left', 'left'] },
  );
}

/** The ResNet table: raw rows, HTTP rows, the reference line. */
export function resnetTable(r: ResnetBenchResult): string {
  const rows: string[][] = [];
  for (const raw of r.raw) {
    rows.push([
      `raw session.run${raw === r.bestRaw ? ' (best)' : ''}`,
      `batch ${raw.batchSize}`,
      '–',
      fmt(raw.imagesPerSecond),
      fmt(raw.latency.p50),
      fmt(raw.latency.p99),
      '–',
      `${raw.runs} runs`,
    ]);
  }
  const pre = r.preprocess;
  rows.push([
    'raw preprocessing only (sharp)',
    '1 image',
    '–',
    fmt(pre.imagesPerSecond),
    fmt(pre.latency.p50),
    fmt(pre.latency.p99),
    '–',
    `${pre.calls} calls`,
  ]);
  for (const h of r.http) {
    rows.push([
      `HTTP /v1/images/classify`,
      `concurrency ${h.concurrency}`,
      h.batching === 'on' ? `on (≤${r.batching.maxBatchSize}, ${r.batching.maxQueueDelayMs} ms)` : 'off',
      fmt(h.requestsPerSecond),
      fmt(h.latency.p50),
      fmt(h.latency.p99),
      `${(100 * h.efficiency).toFixed(0)} %`,
      `${h.ok} ok, ${h.failed} failed`,
    ]);
  }
  if (r.depth === 152) {
    rows.push([
      'reference 2018, not measured here: PyTorch, K80 GPU',
      'concurrency 4',
      'off',
      fmt(REFERENCE_RESNET.pytorch.imagesPerSecond),
      '–',
      '–',
      '–',
      `avg ${REFERENCE_RESNET.pytorch.averageMs} ms`,
    ]);
  }
  return renderTable(['run', 'batch / clients', 'batching', 'images/s', 'p50 ms', 'p99 ms', 'efficiency', 'requests'], rows, {
    align: ['left', 'right', 'left'],
  });
}
