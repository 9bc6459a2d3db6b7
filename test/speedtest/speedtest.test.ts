import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSpeedtestCommand } from '../../src/cli/commands/speedtest.js';
import { runLoad } from '../../src/speedtest/load.js';
import { renderReport } from '../../src/speedtest/report.js';
import type { ReportData, SpeedtestResult } from '../../src/speedtest/result.js';
import { planRoute } from '../../src/speedtest/routes.js';
import { runSpeedtest, writeSpeedtestFiles } from '../../src/speedtest/run.js';
import { findChromium, launchChromium } from '../helpers/browser.js';
import { makeFaqRepo } from '../helpers/faq-models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The speed test against the real server (a small trained FAQ model, one
 * server without keys and one with), its report's data, the report opened in
 * Chromium, and the CLI command end to end.
 */
const run = promisify(execFile);
const CHROMIUM = findChromium();
const QUESTIONS = ['How do I activate my card?', 'my card has not arrived yet', 'what is the exchange rate', 'can I use apple pay'];
const KEY = 'speedtest-key-0123456789';

let dir: string;
let open: TestServer;
let keyed: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'rtscore-speedtest-'));
  await makeFaqRepo(join(dir, 'models'), { name: 'faq' });
  open = await startTestServer(join(dir, 'models'));
  keyed = await startTestServer(join(dir, 'models'), { apiKeys: [KEY] });
});

afterAll(async () => {
  await open?.close();
  await keyed?.close();
  await rm(dir, { recursive: true, force: true });
});

function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as ReportData;
}

describe('runLoad', () => {
  it('sends exactly the requests asked for, from as many keep-alive connections as clients', async () => {
    const ports = new Set<number>();
    const onConnection = (socket: Socket) => ports.add(socket.remotePort!);
    open.app.server.on('connection', onConnection);
    const r = await runLoad({
      url: open.url,
      concurrency: 3,
      requests: 12,
      check: () => undefined,
      request: () => ({ method: 'GET', path: '/healthz', headers: {} }),
    }).finally(() => open.app.server.off('connection', onConnection));
    expect(r.samples).toHaveLength(12);
    expect(ports.size).toBe(3);
    expect(r.samples.every((s) => s.status === 200 && s.error === undefined && s.latency > 0)).toBe(true);
  });

  it('runs for a duration instead of a count', async () => {
    const r = await runLoad({
      url: open.url,
      concurrency: 2,
      durationSeconds: 0.3,
      check: () => undefined,
      request: () => ({ method: 'GET', path: '/healthz', headers: {} }),
    });
    expect(r.samples.length).toBeGreaterThan(0);
    expect(r.samples.every((s) => s.start < 300)).toBe(true);
  });

  it('counts a refused connection as a failure with its cause', async () => {
    const closed = await startTestServer(join(dir, 'models'));
    const url = closed.url;
    await closed.close();
    const r = await runLoad({ url, concurrency: 1, requests: 2, check: () => undefined, request: () => ({ method: 'GET', path: '/healthz', headers: {} }) });
    expect(r.samples.map((s) => [s.status, s.error])).toEqual([
      [0, 'ECONNREFUSED'],
      [0, 'ECONNREFUSED'],
    ]);
    expect(r.failureExamples.ECONNREFUSED).toMatch(/^ECONNREFUSED: /);
  });

  describe('at a steady rate (open loop)', () => {
    /** A plain HTTP server that answers each request after `holdMs`. */
    async function holdingServer(holdMs: number): Promise<{ url: string; close: () => Promise<void> }> {
      const server = createServer((_req, res) => setTimeout(() => res.end('ok'), holdMs));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
    }

    it('sends request i no earlier than i / rate, one per interval for the duration', async () => {
      const server = await holdingServer(0);
      try {
        const r = await runLoad({
          url: server.url,
          concurrency: 4,
          durationSeconds: 0.25,
          rate: 200,
          request: () => ({ method: 'GET', path: '/', headers: {} }),
          check: () => undefined,
        });
        // Due at 0, 5, …, 245 ms: 50 requests.
        expect(r.samples).toHaveLength(50);
        expect(r.samples.every((s) => s.error === undefined)).toBe(true);
        const starts = r.samples.map((s) => s.start).sort((a, b) => a - b);
        starts.forEach((start, i) => expect(start).toBeGreaterThanOrEqual(i * 5 - 1e-6));
      } finally {
        await server.close();
      }
    });

    it('times a request that waited for a free connection from when it was due', async () => {
      // One connection, answers after 20 ms, one request due every 5 ms: every request after
      // the first finds the connection busy, so its clock starts at its due time.
      const server = await holdingServer(20);
      try {
        const r = await runLoad({
          url: server.url,
          concurrency: 1,
          durationSeconds: 0.05,
          rate: 200,
          request: () => ({ method: 'GET', path: '/', headers: {} }),
          check: () => undefined,
        });
        expect(r.samples).toHaveLength(10);
        r.samples.slice(1).forEach((s, k) => {
          expect(s.start).toBe((k + 1) * 5);
          // Sent no earlier than after the (k + 1) answers before it: queued (k + 1)·20 − (k + 1)·5 ms at least.
          expect(s.latency).toBeGreaterThanOrEqual((k + 1) * 15 + 20 - 1);
        });
      } finally {
        await server.close();
      }
    });

    it('refuses a rate that is not a positive number', async () => {
      await expect(
        runLoad({
          url: 'http://127.0.0.1:9',
          concurrency: 1,
          durationSeconds: 1,
          rate: 0,
          request: () => ({ method: 'GET', path: '/', headers: {} }),
          check: () => undefined,
        }),
      ).rejects.toThrow(/rate/);
    });
  });
});

describe('speed test against the real server', () => {
  let result: SpeedtestResult;
  let html: string;

  beforeAll(async () => {
    const inputs = { questions: QUESTIONS, topK: 3, headers: {} };
    result = await runSpeedtest({
      url: open.url,
      routes: [planRoute('score', inputs), planRoute('match', inputs)],
      concurrency: [1, 4],
      requests: 20,
      tool: 'test',
      settings: { note: 'a <b>bold</b> setting' },
    });
    html = renderReport(result, { samplesFile: 'samples.json' });
  });

  it("runs the reference's test shape per route and concurrency, every answer checked", () => {
    expect(result.runs.map((r) => [r.route, r.concurrency, r.samples.length])).toEqual([
      ['POST /score', 1, 20],
      ['POST /score', 4, 20],
      ['POST /v1/faq/match', 1, 20],
      ['POST /v1/faq/match', 4, 20],
    ]);
    for (const r of result.runs) expect(r.samples.filter((s) => s.error !== undefined)).toEqual([]);
    // Runs go one after another on one time line.
    for (let i = 1; i < result.runs.length; i++)
      expect(result.runs[i]!.offsetMs).toBeGreaterThanOrEqual(result.runs[i - 1]!.offsetMs + result.runs[i - 1]!.wallMs);
  });

  it('embeds the summaries and chart data, and escapes what it shows', () => {
    const data = embedded(html);
    expect(data.summaries.map((s) => [s.label, s.requests, s.ok, s.failed])).toEqual([
      ['POST /score × 1', 20, 20, 0],
      ['POST /score × 4', 20, 20, 0],
      ['POST /v1/faq/match × 1', 20, 20, 0],
      ['POST /v1/faq/match × 4', 20, 20, 0],
    ]);
    expect(data.throughput.concurrency).toEqual([1, 4]);
    expect(data.throughput.series.map((s) => s.route)).toEqual(['POST /score', 'POST /v1/faq/match']);
    expect(data.throughput.series[0]!.requestsPerSecond[1]).toBeCloseTo(20 / (result.runs[1]!.wallMs / 1000));
    expect(data.percentiles.every((p) => p.nines.length > 0 && p.latency.every((l) => l > 0))).toBe(true);
    expect(data.overTime.reduce((n, s) => n + s.t.length, 0)).toBe(80);
    expect(data.errors).toEqual([]);
    expect(html).toContain('a &#60;b&#62;bold&#60;/b&#62; setting');
    expect(html).toContain('No request failed');
    expect(html).toMatch(/<table id="summary">/);
  });

  it('is self-contained: uPlot inlined, nothing loaded from elsewhere', () => {
    expect(html).toContain('https://github.com/leeoniya/uPlot');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
  });

  it('reports failures by cause: no API key against a server with keys', async () => {
    const failed = await runSpeedtest({
      url: keyed.url,
      routes: [planRoute('score', { questions: QUESTIONS, topK: 3, headers: {} })],
      concurrency: [2],
      requests: 6,
      tool: 'test',
    });
    const data = embedded(renderReport(failed));
    expect(data.errors).toHaveLength(1);
    expect(data.errors[0]).toMatchObject({ category: 'HTTP 401', count: 6 });
    expect(data.errors[0]!.example).toMatch(/^HTTP 401: \{"error"/);
    expect(data.summaries[0]).toMatchObject({ ok: 0, failed: 6 });

    const withKey = await runSpeedtest({
      url: keyed.url,
      routes: [planRoute('score', { questions: QUESTIONS, topK: 3, headers: { authorization: `Bearer ${KEY}` } })],
      concurrency: [2],
      requests: 6,
      tool: 'test',
    });
    expect(withKey.runs[0]!.samples.every((s) => s.error === undefined)).toBe(true);
  });

  describe.skipIf(!CHROMIUM)('the report in Chromium', () => {
    let browser: Browser;
    // biome-ignore lint/suspicious/noDuplicateTestHooks: a nested describe's own hook (the browser), not a duplicate.
    beforeAll(async () => {
      browser = await launchChromium(CHROMIUM!);
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function openReport(file: string, width: number) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`fetched ${r.url()}`);
      });
      await page.goto(`file://${file}`);
      await page.waitForSelector('html[data-charts]');
      return { page, problems };
    }

    it('draws every chart without console errors, and fits a phone', async () => {
      // One report with a failure, so the error chart is drawn too.
      const withFailure: SpeedtestResult = {
        ...result,
        runs: [
          ...result.runs,
          {
            route: 'POST /score',
            concurrency: 16,
            offsetMs: 99_000,
            wallMs: 50,
            samples: [{ start: 1, latency: 3, status: 503, error: 'HTTP 503' }],
            failureExamples: { 'HTTP 503': 'HTTP 503: busy' },
          },
        ],
      };
      const file = join(dir, 'report.html');
      await writeSpeedtestFiles(withFailure, { html: file, json: join(dir, 'report.json') });
      for (const width of [1280, 390]) {
        const { page, problems } = await openReport(file, width);
        expect(await page.getAttribute('html', 'data-charts')).toBe('4');
        for (const id of ['chart-percentiles', 'chart-over-time', 'chart-throughput', 'chart-errors']) {
          const box = await page.locator(`#${id} canvas`).boundingBox();
          expect(box, id).not.toBeNull();
          expect(box!.width, id).toBeGreaterThan(200);
          expect(box!.height, id).toBeGreaterThan(100);
        }
        expect(await page.locator('#chart-percentiles .u-legend').textContent()).toContain('POST /score × 4');
        // A string: the test's TypeScript has no DOM types.
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(dir, `report-${width}.png`), fullPage: true });
        if (process.env.RTSCORE_ARTIFACTS)
          await page.screenshot({ path: join(process.env.RTSCORE_ARTIFACTS, `speedtest-report-${width}.png`), fullPage: true });
        expect(problems).toEqual([]);
        await page.close();
      }
      const samples = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as SpeedtestResult;
      expect(samples.runs.reduce((n, r) => n + r.samples.length, 0)).toBe(81);
    }, 120_000);
  });
});

describe('rtscore speedtest (CLI)', () => {
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'speedtest', ...args], { env: { ...process.env, RTSCORE_SPEEDTEST_API_KEY: '' } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it("runs the reference's test by default and writes the report and the samples", async () => {
    const questions = join(dir, 'questions.txt');
    await writeFile(questions, `${QUESTIONS.join('\n')}\n\n`);
    const report = join(dir, 'cli', 'speed.html');
    const r = await cli(['--url', open.url, '--questions', questions, '--report', report]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/POST \/score × 4: 100 requests in .* s, .* req\/s/);
    const data = embedded(await readFile(report, 'utf8'));
    expect(data.summaries).toHaveLength(1);
    expect(data.summaries[0]).toMatchObject({ route: 'POST /score', concurrency: 4, requests: 100, ok: 100 });
    expect(data.settings.questions).toBe(`4 (${questions})`);
    const samples = JSON.parse(await readFile(join(dir, 'cli', 'speed.json'), 'utf8')) as SpeedtestResult;
    expect(samples.runs[0]!.samples).toHaveLength(100);
    expect(Object.keys(samples.runs[0]!.samples[0]!).sort()).toEqual(['latency', 'start', 'status']);
  }, 180_000); // a fresh tsx process per run: slow on a busy machine

  it('sends the API key, and exits 2 when requests fail', async () => {
    const questions = join(dir, 'questions.txt');
    const without = await cli([
      '--url',
      keyed.url,
      '--questions',
      questions,
      '--requests',
      '4',
      '--concurrency',
      '2',
      '--report',
      join(dir, 'cli', 'nokey.html'),
    ]);
    expect(without.code).toBe(2);
    expect(without.stdout).toMatch(/4 failed \(4× HTTP 401; first: HTTP 401: /);
    const withKey = await cli([
      '--url',
      keyed.url,
      '--api-key',
      KEY,
      '--questions',
      questions,
      '--requests',
      '4',
      '--concurrency',
      '1,2',
      '--report',
      join(dir, 'cli', 'key.html'),
    ]);
    expect(withKey.code).toBe(0);
    expect(withKey.stdout).not.toContain(KEY);
    expect(await readFile(join(dir, 'cli', 'key.html'), 'utf8')).not.toContain(KEY);
  }, 180_000);

  it('refuses bad options with a message that says what to give', async () => {
    for (const [args, message] of [
      [['--url', 'ftp://x'], /the URL must start with http:\/\/ or https:\/\//],
      [['--url', open.url, '--requests', '5', '--duration', '2'], /cannot be used with/],
      [['--url', open.url, '--route', 'nope'], /unknown route "nope"/],
      [['--url', open.url, '--concurrency', '0'], /concurrency must be an integer ≥ 1/],
      [['--url', open.url, '--route', 'classify'], /the classify route needs --image <file>/],
      [['--url', open.url, '--questions', join(dir, 'missing.txt')], /cannot read the questions file .*missing\.txt: ENOENT/],
    ] as const) {
      const errors: string[] = [];
      const program = new Command().exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
      registerSpeedtestCommand(program);
      const thrown = await program.parseAsync(['speedtest', ...args], { from: 'user' }).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(thrown, args.join(' ')).toBeInstanceOf(Error);
      expect(`${errors.join('')}${thrown!.message}`, args.join(' ')).toMatch(message);
    }
  });
});
