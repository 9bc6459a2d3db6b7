#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { isRtsError } from '../src/core/errors.js';
import { writeSpeedtestFiles } from '../src/speedtest/run.js';
import { RESNET_DEPTHS, type ResnetDepth } from '../src/tasks/vision/resnet/index.js';
import { asSpeedRun, type HttpRunResult } from './http-load.js';
import { describeMachine, machineFacts } from './machine.js';

/**
 * `npm run bench -- <faq|resnet|onnx> [options]`: load tests of the real server
 * over HTTP on 127.0.0.1, side by side with the raw in-process call, printed
 * as a table and optionally saved as JSON (`--json FILE`).
 */
const print = (line: string) => process.stdout.write(`${line}\n`);

function positive(name: string, integer = true) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
    return n;
  };
}

function positiveList(name: string) {
  return (value: string): number[] => value.split(',').map((v) => positive(name)(v.trim()));
}

/** Load average at the end: with the one at the start, it shows whether other work skewed the run. */
function loadAverageNow(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}

async function saveJson(file: string | undefined, value: unknown): Promise<void> {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true });
  // Per-request samples go to the report's own samples file, not here.
  await writeFile(file, `${JSON.stringify(value, (key, v: unknown) => (key === 'samples' || key === 'startedMs' ? undefined : v), 2)}\n`);
  print(`figures written to ${file}`);
}

/** The HTTP runs as a speed-test report (the same HTML report and samples file as `rtscore speedtest`). */
async function saveReport(
  file: string | undefined,
  benchmark: string,
  runs: { route: string; run: HttpRunResult }[],
  settings: Record<string, string | number | boolean>,
): Promise<void> {
  if (!file || runs.length === 0) return;
  const zero = Math.min(...runs.map((r) => r.run.startedMs));
  const json = `${file.replace(/\.html?$/i, '')}.samples.json`;
  await writeSpeedtestFiles(
    {
      target: 'the rtscore server started by the benchmark on 127.0.0.1',
      startedAt: new Date(performance.timeOrigin + zero).toISOString(),
      tool: `npm run bench -- ${benchmark}`,
      settings,
      runs: runs.map((r) => asSpeedRun(r.run, r.route, zero)),
    },
    { html: file, json },
  );
  print(`report written to ${file} (samples: ${json})`);
}

const program = new Command()
  .name('rtscore-bench')
  .description('rtscore benchmarks: the real server over HTTP (127.0.0.1 only) against the raw in-process call')
  .showHelpAfterError();

program
  .command('faq')
  .description("FAQ matching: the reference's speed test (100 requests, 4 clients), load at higher concurrency, and the raw match() floor")
  .option('--models <dir>', 'model repository holding the FAQ models (build them with `rtscore build-models --only faq,banking77`)', 'models')
  .option('--only <names>', 'comma-separated FAQ models', 'faq,banking77')
  .option('--requests <n>', 'speed test requests', positive('requests'), 100)
  .option('--speed-concurrency <n>', 'speed test clients', positive('speed-concurrency'), 4)
  .option('--connections <n>', 'load run connections', positive('connections'), 32)
  .option('--duration <s>', 'seconds per load run', positive('duration', false), 10)
  .option('--raw-seconds <s>', 'seconds of raw scoring per variant', positive('raw-seconds', false), 3)
  .option('--steady-rate <n>', 'offered req/s of the steady-rate latency run on each /score', positive('steady-rate'), 1000)
  .option(
    '--log-level <level>',
    "the server's log level: info (its default) or warn",
    (v) => {
      if (v !== 'info' && v !== 'warn') throw new InvalidArgumentError('log-level must be info or warn');
      return v as 'info' | 'warn';
    },
    'info' as 'info' | 'warn',
  )
  .option('--no-peers', 'skip the bare fastify ceiling and the reference Flask + scikit-learn server')
  .option('--json <file>', 'write every figure to this JSON file')
  .option('--report <file>', 'write the HTTP runs as an HTML speed-test report (charts), with the raw samples beside it')
  .action(
    async (o: {
      models: string;
      only: string;
      requests: number;
      speedConcurrency: number;
      connections: number;
      duration: number;
      rawSeconds: number;
      steadyRate: number;
      logLevel: 'info' | 'warn';
      peers: boolean;
      json?: string;
      report?: string;
    }) => {
      // Each benchmark loads only its own task's code.
      const { REFERENCE_FAQ, faqRatios, faqTable, runFaqBench } = await import('./faq.js');
      const machine = machineFacts();
      print(`machine: ${describeMachine(machine)}`);
      const result = await runFaqBench({
        modelsDir: o.models,
        models: o.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        speedTestRequests: o.requests,
        speedTestConcurrency: o.speedConcurrency,
        connections: o.connections,
        durationSeconds: o.duration,
        rawSeconds: o.rawSeconds,
        steadyRate: o.steadyRate,
        logLevel: o.logLevel,
        peers: o.peers,
        print,
      });
      print('');
      print(faqTable(result));
      print('');
      for (const line of faqRatios(result)) print(line);
      print('');
      print(
        'req/s: successful requests per second of wall time (raw: calls per second of one caller); avg ms (wall/n): the reference\'s "average time"; latency percentiles per request, measured by the client.',
      );
      const loadAverageEnd = loadAverageNow();
      print(`load average: ${machine.loadAverage} at the start, ${loadAverageEnd} at the end (${machine.cores} cores)`);
      await saveJson(o.json, { benchmark: 'faq', machine: { ...machine, loadAverageEnd }, ...result, reference: REFERENCE_FAQ });
      await saveReport(
        o.report,
        'faq',
        result.models.flatMap((m) => [
          { route: `${m.model}: ${m.speedTest.endpoint}`, run: m.speedTest },
          { route: `${m.model}: ${m.sequential.endpoint}`, run: m.sequential },
          { route: `${m.model}: ${m.load.match.endpoint}`, run: m.load.match },
          { route: `${m.model}: ${m.load.score.endpoint}`, run: m.load.score },
        ]),
        { machine: describeMachine(machine), ...result.settings },
      );
    },
  );

program
  .command('resnet')
  .description('ResNet image classification: raw session.run at several batch sizes, HTTP at several concurrencies with batching off and on')
  .option(
    '--depth <n>',
    `ResNet depth (${RESNET_DEPTHS.join(', ')}); 18 is quick on small machines`,
    (v) => {
      const n = Number(v);
      if (!(RESNET_DEPTHS as readonly number[]).includes(n)) throw new InvalidArgumentError(`depth must be one of ${RESNET_DEPTHS.join(', ')}`);
      return n as ResnetDepth;
    },
    152 as ResnetDepth,
  )
  .option('--cache-dir <dir>', 'where generated models are kept between runs (default <tmp>/rtscore-bench-models)')
  .option('--image <file>', 'JPEG to classify (default test/fixtures/images/dog.jpg)')
  .option('--threads <n>', "ONNX Runtime intra-op threads, raw and in the server (default: the machine's cores)", positive('threads'))
  .option(
    '--provider <name>',
    'ONNX Runtime execution provider, raw and in the server: cpu, cuda or auto',
    (v) => {
      if (!['cpu', 'cuda', 'auto'].includes(v)) throw new InvalidArgumentError('provider must be cpu, cuda or auto');
      return v as 'cpu' | 'cuda' | 'auto';
    },
    'cpu' as 'cpu' | 'cuda' | 'auto',
  )
  .option('--batch-sizes <list>', 'raw batch sizes', positiveList('batch-sizes'), [1, 2, 4, 8])
  .option('--raw-seconds <s>', 'seconds per raw batch size', positive('raw-seconds', false), 8)
  .option('--concurrency <list>', 'HTTP client counts', positiveList('concurrency'), [1, 4, 16])
  .option('--duration <s>', 'seconds per HTTP run', positive('duration', false), 8)
  .option('--max-batch-size <n>', 'batching "on": maxBatchSize', positive('max-batch-size'), 8)
  .option(
    '--max-queue-delay-ms <ms>',
    'batching "on": maxQueueDelayMs',
    (v) => {
      const n = Number(v);
      if (!(n >= 0)) throw new InvalidArgumentError('max-queue-delay-ms must be ≥ 0');
      return n;
    },
    5,
  )
  .option('--raw-only', 'skip the HTTP runs')
  .option('--json <file>', 'write every figure to this JSON file')
  .option('--report <file>', 'write the HTTP runs as an HTML speed-test report (charts), with the raw samples beside it')
  .action(
    async (o: {
      depth: ResnetDepth;
      cacheDir?: string;
      image?: string;
      threads?: number;
      provider: 'cpu' | 'cuda' | 'auto';
      batchSizes: number[];
      rawSeconds: number;
      concurrency: number[];
      duration: number;
      maxBatchSize: number;
      maxQueueDelayMs: number;
      rawOnly?: boolean;
      json?: string;
      report?: string;
    }) => {
      const { REFERENCE_RESNET, resnetGoalLine, resnetPhasesTable, resnetTable, runResnetBench } = await import('./resnet.js');
      const machine = machineFacts();
      print(`machine: ${describeMachine(machine)}`);
      const result = await runResnetBench({
        depth: o.depth,
        provider: o.provider,
        batchSizes: o.batchSizes,
        rawSeconds: o.rawSeconds,
        concurrency: o.concurrency,
        durationSeconds: o.duration,
        maxBatchSize: o.maxBatchSize,
        maxQueueDelayMs: o.maxQueueDelayMs,
        print,
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(o.image ? { image: o.image } : {}),
        ...(o.threads ? { threads: o.threads } : {}),
        ...(o.rawOnly ? { rawOnly: true } : {}),
      });
      print('');
      print(
        `ResNet-${result.depth}: ${result.parameters.toLocaleString('en-US')} parameters, ${result.gigaMultiplyAdds.toFixed(2)} G multiply-adds per image; ${result.provider}, ${result.threads} intra-op threads; image ${result.image.width}×${result.image.height} JPEG (${result.image.bytes} bytes)`,
      );
      print(resnetTable(result));
      if (result.http.length > 0) print(resnetGoalLine(result));
      print('');
      print(
        'raw: one session.run of the whole batch (p50/p99 per run), no HTTP or preprocessing; preprocessing only: decoding, resizing and normalising the JPEG, one at a time; HTTP: one JPEG per request, decoded and preprocessed by the server; efficiency = HTTP images/s ÷ best raw images/s.',
      );
      if (result.http.length > 0) {
        print('');
        print('Where an HTTP request spent its time on the server (means from its /metrics histograms over each run):');
        print(resnetPhasesTable(result));
        print(
          'backend: the batch through the ONNX Runtime worker (the copy there and back included), which every request of the batch waits for; rest: reading the body, routing, answering.',
        );
      }
      const loadAverageEnd = loadAverageNow();
      print(`load average: ${machine.loadAverage} at the start, ${loadAverageEnd} at the end (${machine.cores} cores)`);
      await saveJson(o.json, { benchmark: 'resnet', machine: { ...machine, loadAverageEnd }, ...result, reference: REFERENCE_RESNET });
      await saveReport(
        o.report,
        'resnet',
        result.http.map((h) => ({ route: `POST /v1/images/classify, batching ${h.batching}`, run: h })),
        {
          machine: describeMachine(machine),
          model: `ResNet-${result.depth}`,
          provider: result.provider,
          threads: result.threads,
          'seconds per run': o.duration,
          ...result.batching,
        },
      );
    },
  );

program
  .command('memory')
  .description("resident memory of the server with the default models, after warm-up: with the container's allocator setting and with glibc's defaults (Linux)")
  .option('--models <dir>', 'model repository (build the defaults with `rtscore build-models`)', 'models')
  .option('--only <names>', 'comma-separated models', 'faq,banking77,resnet152')
  .option('--json <file>', 'write every figure to this JSON file')
  .action(async (o: { models: string; only: string; json?: string }) => {
    const { memoryGoalLine, memoryTable, runMemoryBench } = await import('./memory.js');
    const machine = machineFacts();
    print(`machine: ${describeMachine(machine)}`);
    const runs = await runMemoryBench({
      modelsDir: o.models,
      models: o.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      print,
    });
    print('');
    print(memoryTable(runs));
    print(memoryGoalLine(runs));
    await saveJson(o.json, { benchmark: 'memory', machine: { ...machine, loadAverageEnd: loadAverageNow() }, runs });
  });

program
  .command('onnx')
  .description(
    'bring-your-own-model (kind onnx): a tree ensemble (skl2onnx RandomForest shape, ZipMap) and a TF-IDF text pipeline over HTTP — OIP JSON, OIP binary, KServe :predict — against raw ONNX Runtime in the same run',
  )
  .option('--trees <n>', 'trees in the ensemble (≥ 100)', positive('trees'), 150)
  .option('--batch-sizes <list>', 'rows per request and per raw run', positiveList('batch-sizes'), [1, 32])
  .option('--concurrency <list>', 'HTTP client counts', positiveList('concurrency'), [1, 4])
  .option('--duration <s>', 'seconds per HTTP run', positive('duration', false), 3)
  .option('--raw-seconds <s>', 'seconds per raw batch size', positive('raw-seconds', false), 2)
  .option('--threads <n>', 'ONNX Runtime intra-op threads, raw and in the server', positive('threads'), 1)
  .option('--json <file>', 'write every figure to this JSON file')
  .action(async (o: { trees: number; batchSizes: number[]; concurrency: number[]; duration: number; rawSeconds: number; threads: number; json?: string }) => {
    const { onnxTable, runOnnxBench } = await import('./onnx.js');
    const machine = machineFacts();
    print(`machine: ${describeMachine(machine)}`);
    const result = await runOnnxBench({
      trees: o.trees,
      batchSizes: o.batchSizes,
      concurrency: o.concurrency,
      durationSeconds: o.duration,
      rawSeconds: o.rawSeconds,
      threads: o.threads,
      print,
    });
    print('');
    print(`tree ensemble: ${result.trees} trees; ONNX Runtime ${result.threads} intra-op thread(s), raw and in the server`);
    print(onnxTable(result));
    print('');
    print(
      'raw: one in-process InferenceSession.run of the same graph, one caller; HTTP: the real server (child process) on 127.0.0.1, each request carrying `batch` rows; HTTP/raw = rows/s ÷ raw rows/s at the same batch size. The load generator shares the machine.',
    );
    const loadAverageEnd = loadAverageNow();
    print(`load average: ${machine.loadAverage} at the start, ${loadAverageEnd} at the end (${machine.cores} cores)`);
    await saveJson(o.json, { benchmark: 'onnx', machine: { ...machine, loadAverageEnd }, ...result });
  });

program.parseAsync(process.argv).then(
  () => process.exit(0),
  (err: unknown) => {
    // rtscore's own errors say what is wrong; a stack only for the unexpected.
    const text = isRtsError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`bench: ${text}\n`);
    process.exit(1);
  },
);
