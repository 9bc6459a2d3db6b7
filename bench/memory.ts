import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { classifyCheck } from '../src/speedtest/checks.js';
import { type HttpRequestSpec, runFixedCount } from './http-load.js';
import { startServerProcess } from './server-process.js';
import { renderTable } from './table.js';

/**
 * Memory of the server with the default models (`faq`, `banking77`, `resnet152`): resident
 * set size of the server process after it is ready and after every model has answered
 * (warm-up), read from /proc (Linux). Run once with the container's allocator setting
 * (`MALLOC_MMAP_THRESHOLD_`, see deploy/docker/Dockerfile) and once with glibc's defaults.
 */
export interface MemoryBenchOptions {
  modelsDir?: string;
  models?: string[];
  /** Requests per model for the warm-up (images at 4 concurrent clients, so batches form). Default 32. */
  requests?: number;
  print?: (line: string) => void;
}

export interface MemoryRun {
  allocator: string;
  env: Record<string, string>;
  readyMB: number;
  warmMB: number;
  /** Peak resident set (VmHWM), in MB. */
  peakMB: number;
  loadSeconds: number;
}

/** What the container sets: glibc returns freed big blocks to the system at once (see the Dockerfile). */
export const CONTAINER_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

async function statusMB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no ${field} in /proc/${pid}/status`);
  return kb / 1024;
}

export async function runMemoryBench(options: MemoryBenchOptions = {}): Promise<MemoryRun[]> {
  if (process.platform !== 'linux') throw new Error('the memory benchmark reads /proc: Linux only');
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const modelsDir = options.modelsDir ?? 'models';
  const models = options.models ?? ['faq', 'banking77', 'resnet152'];
  const count = options.requests ?? 32;
  const image = await readFile(fileURLToPath(new URL(`../${import.meta.url.endsWith('.ts') ? '' : '../'}test/fixtures/images/dog.jpg`, import.meta.url)));
  const runs: MemoryRun[] = [];
  for (const [allocator, env] of [
    ['container (MALLOC_MMAP_THRESHOLD_=131072)', CONTAINER_MALLOC_ENV],
    ['glibc defaults', {}],
  ] as const) {
    const started = performance.now();
    const server = await startServerProcess({ modelsDir, models, env: { ...env }, logLevel: 'warn', readyTimeoutMs: 600_000 });
    try {
      const loadSeconds = (performance.now() - started) / 1000;
      const readyMB = await statusMB(server.pid, 'VmRSS');
      for (const model of models) {
        const isImage = model.startsWith('resnet');
        const spec: HttpRequestSpec = isImage
          ? { method: 'POST', path: `/v1/images/classify?model=${model}&topK=5`, headers: { 'content-type': 'image/jpeg' }, body: image }
          : {
              method: 'POST',
              path: model === 'faq' ? '/score' : `/models/${model}/score`,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ input: 'how do I change my card pin' }),
            };
        const r = await runFixedCount({ url: server.url, count, concurrency: 4, request: () => spec, check: isImage ? classifyCheck(5) : () => undefined });
        if (r.failed > 0) throw new Error(`${model}: ${r.failed} of ${count} warm-up requests failed (${r.firstFailure})`);
      }
      const run: MemoryRun = {
        allocator,
        env: { ...env },
        readyMB,
        warmMB: await statusMB(server.pid, 'VmRSS'),
        peakMB: await statusMB(server.pid, 'VmHWM'),
        loadSeconds,
      };
      print(`${allocator}: ${run.readyMB.toFixed(0)} MB when ready, ${run.warmMB.toFixed(0)} MB after the warm-up, peak ${run.peakMB.toFixed(0)} MB`);
      runs.push(run);
    } finally {
      await server.stop();
    }
  }
  return runs;
}

export function memoryTable(runs: MemoryRun[]): string {
  return renderTable(
    ['allocator', 'RSS ready MB', 'RSS warm MB', 'peak MB', 'ready after s'],
    runs.map((r) => [r.allocator, r.readyMB.toFixed(0), r.warmMB.toFixed(0), r.peakMB.toFixed(0), r.loadSeconds.toFixed(1)]),
    { align: ['left'] },
  );
}

/** Issue 13's goal: the three default models in at most this much after warm-up. */
export const MEMORY_GOAL_MB = 600;

/** The goal line: each allocator's RSS after warm-up against the goal (only for the default models). */
export function memoryGoalLine(runs: MemoryRun[]): string {
  return `RSS after warm-up: ${runs.map((r) => `${r.warmMB.toFixed(0)} MB (${r.allocator})`).join(', ')}; goal ≤ ${MEMORY_GOAL_MB} MB with the default models`;
}
