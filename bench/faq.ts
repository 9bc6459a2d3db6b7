import { join } from 'node:path';
import { isTextMatcher, type TextMatcher } from '../src/core/capabilities.js';
import { silentLogger } from '../src/core/logger.js';
import { defaultRuntimeSettings } from '../src/core/model.js';
import { nullObserver } from '../src/core/observer.js';
import { mulberry32, shuffleInPlace } from '../src/core/random.js';
import { listVersions, readModelConfig } from '../src/core/registry.js';
import { faqMatchCheck, scoreFaqCheck } from '../src/speedtest/checks.js';
import { fmt, type LatencySummary, summarize } from '../src/speedtest/stats.js';
import { loadLabelledSet } from '../src/tasks/faq/data/load-banking77.js';
import { loadTsvSet } from '../src/tasks/faq/data/load-tsv-set.js';
import { defaultInput } from '../src/tasks/faq/data/paths.js';
import { faqMatcherKind } from '../src/tasks/faq/matcher.js';
import { type HttpRequestSpec, type HttpRunResult, runFixedCount, runSteadyRate, runTimedLoad } from './http-load.js';
import { findReferencePython, hasGunicorn, startBareFastify, startReferenceServer } from './peers.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { renderTable } from './table.js';

/**
 * FAQ matching over HTTP against the real server (a child process), next to
 * the raw in-process scoring call, in one run:
 *  (a) the reference's speed test: `POST /score`, 100 requests, 4 clients on
 *      one keep-alive connection each, every answer checked (all FAQs, best first);
 *  (b) closed-loop load at higher concurrency on `/v1/faq/match` and `/score`;
 *  (c) the floor: `match([q], {topK})` on the model loaded in this process.
 */
export interface FaqBenchOptions {
  /** The model repository. Default `models`. */
  modelsDir?: string;
  /** FAQ models to benchmark. Default ['faq', 'banking77']. */
  models?: string[];
  /** Questions per model; default: sampled from the shipped data set of the model, else the FAQs' own questions. */
  questions?: Record<string, string[]>;
  /** How many questions to sample. Default 200. */
  sampleSize?: number;
  /** Speed test: requests and clients. Default 100 and 4 (the reference's). */
  speedTestRequests?: number;
  speedTestConcurrency?: number;
  /** Load runs: connections and seconds. Default 32 and 10. */
  connections?: number;
  durationSeconds?: number;
  /** Seconds of raw scoring per variant (at least 100 calls). Default 3. */
  rawSeconds?: number;
  /** Requests sent before measuring, so the server's code is warm. Default 50. */
  warmupRequests?: number;
  /** The server's log level. Default 'info' (its default when served). */
  logLevel?: 'warn' | 'info';
  /** Offered load of the steady-rate latency run on each model's `/score`, req/s. Default 1,000. */
  steadyRate?: number;
  /** Run the peers (bare fastify; the reference's Flask server where Python has Flask and scikit-learn). Default true. */
  peers?: boolean;
  /** With the peers, also the reference's server (needs Python; trains for ~20 s). Default true. */
  reference?: boolean;
  print?: (line: string) => void;
}

export interface RawScoringResult {
  topK: number;
  calls: number;
  /** Sequential calls per second (one caller). */
  callsPerSecond: number;
  latency: LatencySummary;
}

export interface FaqModelResult {
  model: string;
  version: string;
  faqCount: number;
  questions: { count: number; source: string; meanChars: number };
  /** (a) the reference's speed test on `/score`. */
  speedTest: HttpRunResult & { endpoint: string; requests: number; averageMs: number };
  /** The same requests one at a time: the latency of a single request (the reference: ≈ 46 ms). */
  sequential: HttpRunResult & { endpoint: string };
  /** (b) load at higher concurrency. */
  load: { match: HttpRunResult & { endpoint: string; topK: number }; score: HttpRunResult & { endpoint: string } };
  /** (c) the raw in-process floor. */
  raw: { all: RawScoringResult; top5: RawScoringResult };
  /** `/score` at a steady offered rate (open loop, `steadyRate` req/s over `connections`): the latency a client sees below saturation. */
  steady: HttpRunResult & { endpoint: string; offeredRate: number };
}

/** The peers, each under the same load generator in the same run. */
export interface FaqPeerResults {
  /** rtscore `GET /healthz` (no model): the per-request plumbing alone. */
  healthz: HttpRunResult;
  /** The bare fastify ceiling: `GET /healthz` and `POST /echo` with the `/score` request body. */
  bare: { get: HttpRunResult; echo: HttpRunResult };
  /** The reference's Flask + scikit-learn server on the `faq` set: single-threaded, and under gunicorn. */
  reference: { single: HttpRunResult; gunicorn?: HttpRunResult & { workers: number }; faqCount: number } | { skipped: string };
}

export interface FaqBenchResult {
  models: FaqModelResult[];
  peers?: FaqPeerResults;
  settings: {
    speedTestRequests: number;
    speedTestConcurrency: number;
    connections: number;
    durationSeconds: number;
    rawSeconds: number;
    warmupRequests: number;
    logLevel: 'warn' | 'info';
    steadyRate: number;
  };
}

/** The reference's published FAQ figures (REFERENCE §4), for comparison only. */
export const REFERENCE_FAQ = {
  note: 'reference implementation (2018), not measured here: Flask development server, 35 CPU pods on 5 four-core nodes, 182 FAQs',
  speedTest: { requestsPerSecond: 11.57, averageMs: 86.5, requests: 100, concurrency: 4 },
  singleRequestMs: 46,
} as const;

/** Load one FAQ model (its latest version) with its kind, in this process. */
export async function loadFaqModel(modelsDir: string, name: string): Promise<TextMatcher> {
  const modelDir = join(modelsDir, name);
  const config = await readModelConfig(modelDir, name);
  if (config.kind !== faqMatcherKind.kind) throw new Error(`model "${name}" is of kind ${config.kind}, not ${faqMatcherKind.kind}`);
  const version = (await listVersions(modelDir)).at(-1);
  if (!version) throw new Error(`model "${name}" has no version in ${modelDir}: build it first (rtscore build-models --only ${name})`);
  const model = await faqMatcherKind.load({
    name,
    version,
    modelDir,
    versionDir: join(modelDir, version),
    config,
    logger: silentLogger,
    observer: nullObserver,
    settings: defaultRuntimeSettings,
  });
  if (!isTextMatcher(model)) {
    await model.close();
    throw new Error(`model "${name}" is not an FAQ matcher`);
  }
  return model;
}

/**
 * Benchmark questions for a model: a seeded sample of the labelled questions
 * of its shipped data set (`options.dataset` in its config, else its name),
 * or, for other models, the FAQs' own question texts.
 */
export async function sampleQuestions(modelsDir: string, model: TextMatcher, size: number, seed = 42): Promise<{ questions: string[]; source: string }> {
  const config = await readModelConfig(join(modelsDir, model.name), model.name);
  const dataset = String(config.options.dataset ?? model.name);
  if (dataset === 'faq' || dataset === 'banking77') return sampleDatasetQuestions(dataset, size, seed);
  let texts: string[];
  let source: string;
  {
    const [ranking] = await model.match(['?'], { topK: model.faqCount });
    texts = ranking!.map((m) => m.question);
    source = "the FAQs' own questions";
  }
  // Longer than the server's default limit (5,000 characters) would be refused.
  texts = texts.filter((t) => t.trim().length > 0 && t.length <= 4000);
  if (texts.length === 0) throw new Error(`no questions for model "${model.name}" (${source})`);
  shuffleInPlace(texts, mulberry32(seed));
  return { questions: texts.slice(0, size), source };
}

/** A seeded sample of a shipped data set's labelled questions (what clients of that model ask). */
export async function sampleDatasetQuestions(dataset: 'faq' | 'banking77', size: number, seed = 42): Promise<{ questions: string[]; source: string }> {
  const dir = defaultInput(dataset);
  const { input } = dataset === 'faq' ? await loadTsvSet(dir) : await loadLabelledSet(dir);
  // Longer than the server's default limit (5,000 characters) would be refused.
  const texts = input.duplicates.map((d) => d.text).filter((t) => t.trim().length > 0 && t.length <= 4000);
  shuffleInPlace(texts, mulberry32(seed));
  return { questions: texts.slice(0, size), source: `labelled questions of ${dir}` };
}

/** Time `match([q], {topK})` called back to back, cycling through the questions. */
export async function timeRawScoring(model: TextMatcher, questions: string[], topK: number, seconds: number, minCalls = 100): Promise<RawScoringResult> {
  for (let i = 0; i < Math.min(50, questions.length); i++) await model.match([questions[i]!], { topK }); // warm the JIT
  const latencies: number[] = [];
  let busy = 0;
  const deadline = performance.now() + seconds * 1000;
  for (let i = 0; latencies.length < minCalls || performance.now() < deadline; i++) {
    const q = questions[i % questions.length]!;
    const t0 = performance.now();
    await model.match([q], { topK });
    const ms = performance.now() - t0;
    busy += ms;
    latencies.push(ms);
  }
  return { topK, calls: latencies.length, callsPerSecond: latencies.length / (busy / 1000), latency: summarize(latencies) };
}

const json = { 'content-type': 'application/json' };

/** `/score` addresses the default FAQ model (`faq`); others through `/models/{name}/score`. */
export function scorePath(model: string): string {
  return model === 'faq' ? '/score' : `/models/${encodeURIComponent(model)}/score`;
}

export async function runFaqBench(options: FaqBenchOptions = {}): Promise<FaqBenchResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const modelsDir = options.modelsDir ?? 'models';
  const names = options.models ?? ['faq', 'banking77'];
  const settings = {
    speedTestRequests: options.speedTestRequests ?? REFERENCE_FAQ.speedTest.requests,
    speedTestConcurrency: options.speedTestConcurrency ?? REFERENCE_FAQ.speedTest.concurrency,
    connections: options.connections ?? 32,
    durationSeconds: options.durationSeconds ?? 10,
    rawSeconds: options.rawSeconds ?? 3,
    warmupRequests: options.warmupRequests ?? 50,
    logLevel: options.logLevel ?? 'info',
    steadyRate: options.steadyRate ?? 1000,
  };

  // (c) first, with nothing else running: the models in this process.
  const prepared: { model: TextMatcher; questions: string[]; source: string; raw: FaqModelResult['raw'] }[] = [];
  const loaded: TextMatcher[] = [];
  try {
    for (const name of names) {
      const model = await loadFaqModel(modelsDir, name);
      loaded.push(model);
      const given = options.questions?.[name];
      const { questions, source } = given ? { questions: given, source: 'given' } : await sampleQuestions(modelsDir, model, options.sampleSize ?? 200);
      print(`${name} v${model.version}: ${model.faqCount} FAQs, ${questions.length} questions (${source})`);
      const all = await timeRawScoring(model, questions, model.faqCount, settings.rawSeconds);
      const top5 = await timeRawScoring(model, questions, Math.min(5, model.faqCount), settings.rawSeconds);
      print(`  raw match([q], topK all): p50 ${fmt(all.latency.p50)} ms, ${fmt(all.callsPerSecond)} calls/s; topK 5: p50 ${fmt(top5.latency.p50)} ms`);
      prepared.push({ model, questions, source, raw: { all, top5 } });
    }
  } finally {
    // Closed before the server starts: the HTTP runs get the machine to themselves.
    await Promise.all(loaded.map((m) => m.close()));
  }

  // (a) and (b): the real server over HTTP.
  print(`starting the server (models ${names.join(', ')})…`);
  const server: ServerProcess = await startServerProcess({ modelsDir, models: names, logLevel: settings.logLevel });
  const withPeers = options.peers ?? true;
  const bare = withPeers
    ? await startBareFastify().catch(async (err: unknown) => {
        await server.stop();
        throw err;
      })
    : undefined;
  const results: FaqModelResult[] = [];
  let plumbing: Pick<FaqPeerResults, 'healthz' | 'bare'> | undefined;
  try {
    if (bare) plumbing = await runPlumbingPeers(server, bare, prepared[0]?.questions ?? ['How do I apply?'], settings, print);
    for (const { model, questions, source, raw } of prepared) {
      const name = model.name;
      const faqCount = model.faqCount;
      const scoreReq = (q: string): HttpRequestSpec => ({ method: 'POST', path: scorePath(name), headers: json, body: JSON.stringify({ input: q }) });
      const matchReq = (q: string): HttpRequestSpec => ({
        method: 'POST',
        path: '/v1/faq/match',
        headers: json,
        body: JSON.stringify({ question: q, model: name, topK: Math.min(5, faqCount) }),
      });
      const scoreCheck = scoreFaqCheck(faqCount);
      const matchCheck = faqMatchCheck(Math.min(5, faqCount));

      await runFixedCount({
        url: server.url,
        count: settings.warmupRequests,
        concurrency: settings.speedTestConcurrency,
        request: (i) => scoreReq(questions[i % questions.length]!),
        check: scoreCheck,
      });
      await runFixedCount({
        url: server.url,
        count: settings.warmupRequests,
        concurrency: settings.speedTestConcurrency,
        request: (i) => matchReq(questions[i % questions.length]!),
        check: matchCheck,
      });

      const speed = await runFixedCount({
        url: server.url,
        count: settings.speedTestRequests,
        concurrency: settings.speedTestConcurrency,
        request: (i) => scoreReq(questions[i % questions.length]!),
        check: scoreCheck,
      });
      const speedTest = {
        ...speed,
        endpoint: `POST ${scorePath(name)}`,
        requests: settings.speedTestRequests,
        averageMs: speed.wallMs / settings.speedTestRequests,
      };
      print(
        `  ${name} speed test: ${settings.speedTestRequests} requests in ${fmt(speed.wallMs)} ms (average ${fmt(speedTest.averageMs)} ms), ${speed.failed} failed${speed.firstFailure ? ` (${speed.firstFailure})` : ''}`,
      );

      const seq = await runFixedCount({
        url: server.url,
        count: settings.speedTestRequests,
        concurrency: 1,
        request: (i) => scoreReq(questions[i % questions.length]!),
        check: scoreCheck,
      });
      const sequential = { ...seq, endpoint: `POST ${scorePath(name)}` };
      print(`  ${name} one at a time: p50 ${fmt(seq.latency.p50)} ms, ${seq.failed} failed${seq.firstFailure ? ` (${seq.firstFailure})` : ''}`);

      const match = await runTimedLoad({
        url: server.url,
        connections: settings.connections,
        durationSeconds: settings.durationSeconds,
        requests: questions.map(matchReq),
        check: matchCheck,
      });
      print(
        `  ${name} /v1/faq/match × ${settings.connections}: ${fmt(match.requestsPerSecond)} req/s, p99 ${fmt(match.latency.p99)} ms, ${match.failed} failed${match.firstFailure ? ` (${match.firstFailure})` : ''}`,
      );
      const score = await runTimedLoad({
        url: server.url,
        connections: settings.connections,
        durationSeconds: settings.durationSeconds,
        requests: questions.map(scoreReq),
        check: scoreCheck,
      });
      print(
        `  ${name} ${scorePath(name)} × ${settings.connections}: ${fmt(score.requestsPerSecond)} req/s, p99 ${fmt(score.latency.p99)} ms, ${score.failed} failed${score.firstFailure ? ` (${score.firstFailure})` : ''}`,
      );
      const steadyRun = await runSteadyRate({
        url: server.url,
        rate: settings.steadyRate,
        connections: settings.connections,
        durationSeconds: settings.durationSeconds,
        requests: questions.map(scoreReq),
        check: scoreCheck,
      });
      const steady = { ...steadyRun, endpoint: `POST ${scorePath(name)}`, offeredRate: settings.steadyRate };
      print(
        `  ${name} ${scorePath(name)} at a steady ${fmt(settings.steadyRate)} req/s × ${settings.connections}: ${fmt(steady.requestsPerSecond)} req/s answered, p50 ${fmt(steady.latency.p50)} ms, p99 ${fmt(steady.latency.p99)} ms, ${steady.failed} failed`,
      );

      results.push({
        model: name,
        version: model.version,
        faqCount,
        questions: { count: questions.length, source, meanChars: questions.reduce((s, q) => s + q.length, 0) / questions.length },
        speedTest,
        sequential,
        load: { match: { ...match, endpoint: 'POST /v1/faq/match', topK: Math.min(5, faqCount) }, score: { ...score, endpoint: `POST ${scorePath(name)}` } },
        raw,
        steady,
      });
    }
  } finally {
    await Promise.all([server.stop(), bare?.stop()]);
  }
  const reference = options.reference ?? true;
  const peers = plumbing && { ...plumbing, reference: reference ? await runReferencePeer(settings, print) : { skipped: 'not asked for' } };
  return { models: results, ...(peers ? { peers } : {}), settings };
}

type Settings = FaqBenchResult['settings'];

/**
 * rtscore's `GET /healthz` between the bare fastify server's `GET /healthz` and `POST /echo`
 * (the `/score` request body sent back), back to back so that the same machine state
 * holds for the ratios.
 */
async function runPlumbingPeers(
  server: ServerProcess,
  bare: ServerProcess,
  questions: string[],
  settings: Settings,
  print: (line: string) => void,
): Promise<Pick<FaqPeerResults, 'healthz' | 'bare'>> {
  const load = (url: string, requests: HttpRequestSpec[], check: (body: string) => string | undefined) =>
    runTimedLoad({ url, connections: settings.connections, durationSeconds: settings.durationSeconds, requests, check });
  const health: HttpRequestSpec[] = [{ method: 'GET', path: '/healthz', headers: {} }];
  const healthCheck = (body: string) => (body.includes('"ok"') ? undefined : `unexpected body ${body.slice(0, 100)}`);
  const echoRequests: HttpRequestSpec[] = questions.map((q) => ({ method: 'POST', path: '/echo', headers: json, body: JSON.stringify({ input: q }) }));
  const echoCheck = (body: string) => (body.startsWith('{"input":') ? undefined : `unexpected body ${body.slice(0, 100)}`);
  await runFixedCount({
    url: bare.url,
    count: settings.warmupRequests,
    concurrency: 4,
    request: (i) => echoRequests[i % echoRequests.length]!,
    check: echoCheck,
  });
  await runFixedCount({ url: server.url, count: settings.warmupRequests, concurrency: 4, request: () => health[0]!, check: healthCheck });
  const get = await load(bare.url, health, healthCheck);
  print(`  bare fastify GET /healthz × ${settings.connections}: ${fmt(get.requestsPerSecond)} req/s`);
  const healthz = await load(server.url, health, healthCheck);
  print(
    `  rtscore GET /healthz × ${settings.connections}: ${fmt(healthz.requestsPerSecond)} req/s (${pct(healthz.requestsPerSecond, get.requestsPerSecond)} of bare fastify's)`,
  );
  const echo = await load(bare.url, echoRequests, echoCheck);
  print(`  bare fastify POST /echo × ${settings.connections}: ${fmt(echo.requestsPerSecond)} req/s`);
  return { healthz, bare: { get, echo } };
}

/** The reference's Flask + scikit-learn server on the `faq` set, or why it was skipped. */
async function runReferencePeer(settings: Settings, print: (line: string) => void): Promise<FaqPeerResults['reference']> {
  const found = findReferencePython();
  if ('missing' in found) {
    print(`reference server skipped: ${found.missing}`);
    return { skipped: found.missing };
  }
  const { questions } = await sampleDatasetQuestions('faq', 200);
  const variants: { label: string; workers?: number }[] = [{ label: 'Flask development server, single-threaded' }];
  if (hasGunicorn(found.python)) variants.push({ label: 'gunicorn, 2 workers', workers: 2 });
  const runs: HttpRunResult[] = [];
  let faqCount = 0;
  for (const v of variants) {
    print(`starting the reference's Flask + scikit-learn server (${v.label}; trains its pairwise model first)…`);
    const ref = await startReferenceServer({ python: found.python, dataset: 'faq', ...(v.workers ? { gunicornWorkers: v.workers } : {}) });
    faqCount = ref.faqCount;
    try {
      const check = scoreFaqCheck(ref.faqCount);
      const requests: HttpRequestSpec[] = questions.map((q) => ({ method: 'POST', path: '/score', headers: json, body: JSON.stringify({ input: q }) }));
      await runFixedCount({
        url: ref.url,
        count: Math.min(20, settings.warmupRequests),
        concurrency: 1,
        request: (i) => requests[i % requests.length]!,
        check,
      });
      const r = await runTimedLoad({ url: ref.url, connections: settings.connections, durationSeconds: settings.durationSeconds, requests, check });
      print(
        `  reference (${v.label}) POST /score × ${settings.connections}: ${fmt(r.requestsPerSecond)} req/s, p99 ${fmt(r.latency.p99)} ms, ${r.failed} failed${r.firstFailure ? ` (${r.firstFailure})` : ''}`,
      );
      runs.push(r);
    } finally {
      await ref.stop();
    }
  }
  return { single: runs[0]!, ...(runs[1] ? { gunicorn: { ...runs[1], workers: 2 } } : {}), faqCount };
}

function pct(value: number, of: number): string {
  return `${((100 * value) / of).toFixed(1)} %`;
}

/** The ratios the performance goals are stated in (issue 13), from one run. */
export function faqRatios(r: FaqBenchResult): string[] {
  const lines: string[] = [];
  const p = r.peers;
  const score = (name: string) => r.models.find((m) => m.model === name)?.load.score;
  if (p) {
    lines.push(
      `rtscore GET /healthz ÷ bare fastify GET /healthz: ${pct(p.healthz.requestsPerSecond, p.bare.get.requestsPerSecond)} (goal ≥ 70 %); ÷ bare POST /echo: ${pct(p.healthz.requestsPerSecond, p.bare.echo.requestsPerSecond)}`,
    );
    const faq = score('faq');
    if (faq) lines.push(`faq POST /score ÷ bare fastify POST /echo: ${pct(faq.requestsPerSecond, p.bare.echo.requestsPerSecond)} (goal ≥ 40 %)`);
    if ('skipped' in p.reference) {
      lines.push(`reference server: skipped (${p.reference.skipped})`);
    } else {
      const ref = p.reference;
      for (const m of r.models) {
        const x = m.load.score.requestsPerSecond / ref.single.requestsPerSecond;
        lines.push(
          `${m.model} POST /score ÷ reference Flask + scikit-learn (single-threaded): ${x.toFixed(1)}×${m.model === 'banking77' ? ' (goal ≥ 25×)' : ''}` +
            (ref.gunicorn
              ? `; ÷ gunicorn with ${ref.gunicorn.workers} workers: ${(m.load.score.requestsPerSecond / ref.gunicorn.requestsPerSecond).toFixed(1)}×`
              : ''),
        );
      }
    }
  }
  for (const m of r.models) {
    lines.push(
      `${m.model} raw scoring: p50 ${fmt(1000 * m.raw.all.latency.p50)} µs per question, mean ${fmt(1000 * (1000 / m.raw.all.callsPerSecond))} µs${m.model === 'banking77' ? ' (goal ≤ 60 µs)' : ''}; ` +
        `p99 at a steady ${fmt(m.steady.offeredRate)} req/s × ${m.steady.concurrency}: ${fmt(m.steady.latency.p99)} ms${m.model === 'banking77' ? ' (goal ≤ 5 ms)' : ''}`,
    );
  }
  return lines;
}

/** One table: HTTP runs and the raw floor per model, then the reference's published figures. */
export function faqTable(r: FaqBenchResult): string {
  const rows: string[][] = [];
  const lat = (l: LatencySummary) => [fmt(l.mean), fmt(l.p50), fmt(l.p90), fmt(l.p99)];
  for (const m of r.models) {
    const s = m.speedTest;
    rows.push([
      m.model,
      `speed test (reference's): ${s.endpoint}, all ${m.faqCount} FAQs`,
      String(s.concurrency),
      String(s.ok + s.failed),
      fmt(s.requestsPerSecond),
      fmt(s.averageMs),
      ...lat(s.latency),
      String(s.failed),
    ]);
    const q = m.sequential;
    rows.push([
      m.model,
      `one request at a time: ${q.endpoint}`,
      '1',
      String(q.ok + q.failed),
      fmt(q.requestsPerSecond),
      fmt(q.wallMs / (q.ok + q.failed)),
      ...lat(q.latency),
      String(q.failed),
    ]);
    const mt = m.load.match;
    rows.push([
      m.model,
      `load: ${mt.endpoint}, top ${mt.topK}`,
      String(mt.concurrency),
      String(mt.ok + mt.failed),
      fmt(mt.requestsPerSecond),
      fmt(mt.wallMs / Math.max(1, mt.ok)),
      ...lat(mt.latency),
      String(mt.failed),
    ]);
    const sc = m.load.score;
    rows.push([
      m.model,
      `load: ${sc.endpoint}, all ${m.faqCount} FAQs`,
      String(sc.concurrency),
      String(sc.ok + sc.failed),
      fmt(sc.requestsPerSecond),
      fmt(sc.wallMs / Math.max(1, sc.ok)),
      ...lat(sc.latency),
      String(sc.failed),
    ]);
    const st = m.steady;
    rows.push([
      m.model,
      `steady ${fmt(st.offeredRate)} req/s offered: ${st.endpoint}`,
      String(st.concurrency),
      String(st.ok + st.failed),
      fmt(st.requestsPerSecond),
      fmt(st.wallMs / Math.max(1, st.ok)),
      ...lat(st.latency),
      String(st.failed),
    ]);
    for (const raw of [m.raw.all, m.raw.top5]) {
      rows.push([
        m.model,
        `raw in-process match([q], topK ${raw.topK === m.faqCount ? `all ${raw.topK}` : raw.topK})`,
        '1',
        String(raw.calls),
        fmt(raw.callsPerSecond),
        fmt(1000 / raw.callsPerSecond),
        ...lat(raw.latency),
        '0',
      ]);
    }
  }
  const peer = (who: string, run: string, x: HttpRunResult) =>
    rows.push([
      who,
      run,
      String(x.concurrency),
      String(x.ok + x.failed),
      fmt(x.requestsPerSecond),
      fmt(x.wallMs / Math.max(1, x.ok)),
      ...lat(x.latency),
      String(x.failed),
    ]);
  const p = r.peers;
  if (p) {
    peer('rtscore', 'load: GET /healthz (no model)', p.healthz);
    peer('bare fastify', 'load: GET /healthz (the HTTP ceiling)', p.bare.get);
    peer('bare fastify', 'load: POST /echo, the /score body', p.bare.echo);
    if (!('skipped' in p.reference)) {
      peer('reference stack', `load: POST /score, all ${p.reference.faqCount} FAQs, Flask single-threaded`, p.reference.single);
      if (p.reference.gunicorn)
        peer('reference stack', `load: POST /score, all ${p.reference.faqCount} FAQs, gunicorn ${p.reference.gunicorn.workers} workers`, p.reference.gunicorn);
    }
  }
  const ref = REFERENCE_FAQ;
  rows.push([
    'reference 2018',
    'static, not measured here: speed test, 35 CPU pods',
    String(ref.speedTest.concurrency),
    String(ref.speedTest.requests),
    fmt(ref.speedTest.requestsPerSecond),
    fmt(ref.speedTest.averageMs),
    '–',
    '–',
    '–',
    '–',
    '0',
  ]);
  rows.push(['reference 2018', 'static, not measured here: one request, sequential', '1', '1', '–', '–', fmt(ref.singleRequestMs), '–', '–', '–', '–']);
  return renderTable(['model', 'run', 'clients', 'requests', 'req/s', 'avg ms (wall/n)', 'mean ms', 'p50 ms', 'p90 ms', 'p99 ms', 'failed'], rows, {
    align: ['left', 'left'],
  });
}
