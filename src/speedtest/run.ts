import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { runLoad } from './load.js';
import { renderReport } from './report.js';
import type { SpeedRun, SpeedtestResult } from './result.js';
import type { RoutePlan } from './routes.js';

export interface SpeedtestOptions {
  url: string;
  routes: RoutePlan[];
  /** One run per route and concurrency, in this order. */
  concurrency: number[];
  /** Requests per run … */
  requests?: number;
  /** … or seconds per run. */
  durationSeconds?: number;
  /** Requests sent before each route's runs and not measured (warms the server). Default 0, as the reference. */
  warmup?: number;
  timeoutMs?: number;
  model?: string;
  tool: string;
  /** Shown in the report as they are. */
  settings?: Record<string, string | number | boolean>;
  /** Told after every run. */
  onRun?: (run: SpeedRun) => void;
}

/** The URL as shown in reports: no user name or password. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

/** Every route at every concurrency, one run after another, against a running service. */
export async function runSpeedtest(options: SpeedtestOptions): Promise<SpeedtestResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const runs: SpeedRun[] = [];
  const amount = options.requests !== undefined ? { requests: options.requests } : { durationSeconds: options.durationSeconds! };
  for (const route of options.routes) {
    if (options.warmup) {
      await runLoad({
        url: options.url,
        concurrency: Math.max(...options.concurrency),
        requests: options.warmup,
        request: route.request,
        check: route.check(),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
    }
    for (const concurrency of options.concurrency) {
      const offsetMs = performance.now() - started;
      const load = await runLoad({
        url: options.url,
        concurrency,
        ...amount,
        request: route.request,
        check: route.check(),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      const run: SpeedRun = { route: route.name, offsetMs, ...load };
      runs.push(run);
      options.onRun?.(run);
    }
  }
  return {
    target: displayUrl(options.url),
    ...(options.model ? { model: options.model } : {}),
    startedAt,
    tool: options.tool,
    settings: options.settings ?? {},
    runs,
  };
}

/** The report and, beside it, the raw per-request samples. */
export async function writeSpeedtestFiles(result: SpeedtestResult, files: { html: string; json: string }): Promise<void> {
  await mkdir(dirname(files.html), { recursive: true });
  await mkdir(dirname(files.json), { recursive: true });
  await writeFile(files.json, `${JSON.stringify(result)}\n`);
  await writeFile(files.html, renderReport(result, { samplesFile: basename(files.json) }));
}
