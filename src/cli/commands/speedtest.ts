import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { rtsError } from '../../core/errors.js';
import { mulberry32, shuffleInPlace } from '../../core/random.js';
import { summarizeRun } from '../../speedtest/result.js';
import { planRoute, SPEEDTEST_ROUTES, type SpeedtestRoute } from '../../speedtest/routes.js';
import { runSpeedtest, writeSpeedtestFiles } from '../../speedtest/run.js';
import { fmt } from '../../speedtest/stats.js';
import { loadLabelledSet } from '../../tasks/faq/data/load-banking77.js';
import { loadTsvSet } from '../../tasks/faq/data/load-tsv-set.js';
import { defaultInput } from '../../tasks/faq/data/paths.js';
import { int, print } from '../options.js';
import { packageVersion } from '../version.js';

/**
 * `rtscore speedtest --url …`: the reference's speed test (100 requests from
 * 4 clients on `POST /score`) against any running deployment, or other
 * routes, concurrencies and durations; writes an HTML report with charts and
 * the raw per-request samples as JSON.
 */
interface SpeedtestFlags {
  url: string;
  apiKey?: string;
  model?: string;
  route: SpeedtestRoute[];
  concurrency: number[];
  requests?: number;
  duration?: number;
  warmup: number;
  questions?: string;
  image?: string;
  topK: number;
  timeout: number;
  report: string;
  samples?: string;
}

function url(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL (e.g. https://scoring.example.com or http://127.0.0.1:8080)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('the URL must start with http:// or https://');
  if (u.search || u.hash) throw new InvalidArgumentError("give the service's base URL, without a query or fragment");
  return value;
}

function list<T>(name: string, parse: (v: string) => T) {
  return (value: string): T[] => {
    const items = value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one value`);
    return items.map(parse);
  };
}

function route(value: string): SpeedtestRoute {
  if (!(SPEEDTEST_ROUTES as readonly string[]).includes(value)) throw new InvalidArgumentError(`unknown route "${value}" (${SPEEDTEST_ROUTES.join(', ')})`);
  return value as SpeedtestRoute;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

/** Questions from a file (one a line), else a seeded sample of the shipped data set's labelled questions. */
async function loadQuestions(file: string | undefined, model: string | undefined): Promise<{ questions: string[]; source: string }> {
  if (file) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw rtsError('INVALID_INPUT', `cannot read the questions file ${file}: ${err.code ?? err.message}`);
    });
    const questions = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    if (questions.length === 0) throw rtsError('INVALID_INPUT', `${file} holds no question (one per line)`);
    return { questions, source: file };
  }
  const dataset = model === 'banking77' ? 'banking77' : 'faq';
  const dir = defaultInput(dataset);
  const { input } = dataset === 'faq' ? await loadTsvSet(dir) : await loadLabelledSet(dir);
  const questions = input.duplicates.map((d) => d.text).filter((t) => t.trim().length > 0 && t.length <= 4000);
  shuffleInPlace(questions, mulberry32(42));
  return { questions: questions.slice(0, 500), source: `labelled questions of the shipped ${dataset} data set` };
}

async function loadImage(file: string): Promise<{ bytes: Buffer; contentType: string }> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw rtsError('INVALID_INPUT', `cannot read the image ${file}: ${err.code ?? err.message}`);
  });
  const contentType =
    bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : bytes.subarray(0, 4).toString('latin1') === '\x89PNG' ? 'image/png' : 'application/octet-stream';
  return { bytes, contentType };
}

export function registerSpeedtestCommand(program: Command): void {
  program
    .command('speedtest')
    .description(
      "drive a running service with the reference's speed test (100 requests, 4 clients, POST /score) or other routes; writes an HTML report with charts and the raw samples as JSON, and exits 2 if any request failed",
    )
    .requiredOption('--url <url>', 'base URL of the service, e.g. https://scoring.example.com', url)
    .option('--api-key <key>', 'API key, sent as "Authorization: Bearer <key>" (or RTSCORE_SPEEDTEST_API_KEY)')
    .option('--model <name>', 'model to address (default: whichever model the service uses for the route)')
    .option('--route <list>', `comma-separated routes: ${SPEEDTEST_ROUTES.join(', ')}`, list('route', route), ['score'] as SpeedtestRoute[])
    .option('--concurrency <list>', 'comma-separated numbers of concurrent clients, one run each', list('concurrency', int('concurrency', 1)), [4])
    .addOption(new Option('--requests <n>', 'requests per run (default 100)').argParser(int('requests', 1)).conflicts('duration'))
    .addOption(new Option('--duration <s>', 'seconds per run, instead of a number of requests').argParser(seconds))
    .option('--warmup <n>', "unmeasured requests before each route's runs", int('warmup'), 0)
    .option('--questions <file>', "questions for score/match, one a line (default: the shipped data set's)")
    .option('--image <file>', 'JPEG or PNG for classify/score-image')
    .option('--top-k <n>', 'matches or classes per answer for match/classify', int('top-k', 1), 5)
    .option('--timeout <s>', 'per-request limit in seconds', seconds, 60)
    .option('--report <file>', 'HTML report to write', 'speedtest-report.html')
    .option('--samples <file>', "raw per-request samples (JSON) to write (default: the report's name with .json)")
    .action(async (o: SpeedtestFlags) => {
      const apiKey = o.apiKey ?? process.env.RTSCORE_SPEEDTEST_API_KEY;
      const needsQuestions = o.route.some((r) => r === 'score' || r === 'match');
      const needsImage = o.route.some((r) => r === 'classify' || r === 'score-image');
      if (needsImage && !o.image)
        throw rtsError('INVALID_INPUT', `the ${o.route.filter((r) => r === 'classify' || r === 'score-image').join(' and ')} route needs --image <file>`);
      const questions = needsQuestions ? await loadQuestions(o.questions, o.model) : undefined;
      const image = o.image ? await loadImage(o.image) : undefined;
      const inputs = {
        ...(o.model ? { model: o.model } : {}),
        ...(questions ? { questions: questions.questions } : {}),
        ...(image ? { image } : {}),
        topK: o.topK,
        headers: (apiKey ? { authorization: `Bearer ${apiKey}` } : {}) as Record<string, string>,
      };
      const routes = o.route.map((r) => planRoute(r, inputs));
      const amount: { requests: number } | { durationSeconds: number } =
        o.duration !== undefined ? { durationSeconds: o.duration } : { requests: o.requests ?? 100 };
      const html = resolve(o.report);
      const json = resolve(o.samples ?? `${html.replace(/\.html?$/i, '')}.json`);
      print(
        `speed test of ${o.url}: ${routes.map((r) => r.name).join(', ')} × ${o.concurrency.join(', ')} clients, ${'requests' in amount ? `${amount.requests} requests` : `${amount.durationSeconds} s`} per run`,
      );
      const result = await runSpeedtest({
        url: o.url,
        routes,
        concurrency: o.concurrency,
        ...amount,
        warmup: o.warmup,
        timeoutMs: o.timeout * 1000,
        ...(o.model ? { model: o.model } : {}),
        tool: `rtscore ${packageVersion()} speedtest`,
        settings: {
          routes: routes.map((r) => r.name).join(', '),
          concurrency: o.concurrency.join(', '),
          ...('requests' in amount ? { 'requests per run': amount.requests } : { 'seconds per run': amount.durationSeconds }),
          'warm-up requests': o.warmup,
          ...(questions ? { questions: `${questions.questions.length} (${questions.source})` } : {}),
          ...(o.image ? { image: `${o.image} (${image!.bytes.length} bytes, ${image!.contentType})` } : {}),
          'API key': apiKey ? 'yes' : 'no',
        },
        onRun: (run) => {
          const s = summarizeRun(run);
          const errors = Object.entries(s.errors)
            .map(([k, n]) => `${n}× ${k}`)
            .join(', ');
          print(
            `  ${s.route} × ${s.concurrency}: ${s.requests} requests in ${fmt(s.wallMs / 1000)} s, ${fmt(s.requestsPerSecond)} req/s, avg ${fmt(s.averageMs)} ms (wall/n), p50 ${fmt(s.latency.p50)} ms, p99 ${fmt(s.latency.p99)} ms, ${s.failed} failed${errors ? ` (${errors}; first: ${Object.values(run.failureExamples)[0]})` : ''}`,
          );
        },
      });
      await writeSpeedtestFiles(result, { html, json });
      print(`report: ${html}`);
      print(`samples: ${json}`);
      const failed = result.runs.reduce((n, r) => n + r.samples.filter((s) => s.error !== undefined).length, 0);
      if (failed > 0) process.exitCode = 2;
    });
}
