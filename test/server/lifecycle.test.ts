import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/core/free-port.js';
import { makeFaqRepo } from '../helpers/models.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** How long a server process may take to start (tsx compiles on the fly; the test machine is shared and busy). */
const START_LIMIT_MS = 120_000;

/** Start `rtscore serve` as a real process; resolve with its URL once ready. */
async function spawnServer(modelsDir: string, env: Record<string, string> = {}, extraArgs: string[] = []) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--models', modelsDir, '--no-build-missing', ...extraArgs],
    {
      cwd: ROOT,
      env: { ...process.env, RTSCORE_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: any[] = [];
  const watchers: Array<{ test: (entry: any) => boolean; resolve: () => void }> = [];
  /** Resolves once a log line passes `test` (at once if one already has): the server says when it gets there. */
  const logged = (test: (entry: any) => boolean): Promise<void> =>
    lines.some(test) ? Promise.resolve() : new Promise((resolve) => watchers.push({ test, resolve }));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), START_LIMIT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line);
        lines.push(entry);
        for (const w of watchers.filter((w) => w.test(entry))) w.resolve();
        if (entry.msg === 'rtscore listening') {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        /* not a log line */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code})`));
    });
  });
  // Every process (one per worker) says when its models are loaded and warmed.
  const workers = extraArgs.includes('--workers') ? Number(extraArgs[extraArgs.indexOf('--workers') + 1]) : 1;
  await logged(() => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('ready:')).length >= workers);
  return { child, url, lines, exited, logged };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-life-'));
  await makeFaqRepo(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it(
    'on SIGTERM: readiness false at once, in-flight requests all answered, exit 0',
    async () => {
      const server = await spawnServer(dir, { RTSCORE_SHUTDOWN_DELAY_MS: '400', RTSCORE_SHUTDOWN_GRACE_MS: '10000' });
      child = server.child;
      const pool = new Pool(server.url, { connections: 8, pipelining: 1 });
      const questions = Array.from({ length: 64 }, (_, i) => `question number ${i} about my card top up and transfer fees`);
      const results: { status?: number; error?: string; sentBeforeSignal: boolean }[] = [];
      let wake: () => void = () => {};
      let signalled = false;
      const one = async () => {
        const sentBeforeSignal = !signalled;
        try {
          const res = await pool.request({
            path: '/v1/faq/match',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ questions }),
          });
          await res.body.json();
          results.push({ status: res.statusCode, sentBeforeSignal });
        } catch (err) {
          results.push({ error: (err as Error).message, sentBeforeSignal });
        }
        wake();
      };
      // 8 clients, each looping until the server is gone (bounded to 400 requests in all).
      let budget = 400;
      const clients = Array.from({ length: 8 }, async () => {
        while (budget-- > 0 && server.child.exitCode === null) await one();
      });
      // Let traffic flow first: 16 answers.
      while (results.length < 16)
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      server.child.kill('SIGTERM');
      signalled = true;
      // Readiness turns false as the drain starts, while it still serves during the shutdown delay
      // (0: the delay has already run out on a busy machine and the port is closed).
      await server.logged((l) => typeof l.msg === 'string' && l.msg.startsWith('draining'));
      const ready = await fetch(`${server.url}/readyz`)
        .then((r) => r.status)
        .catch(() => 0);
      expect([503, 0]).toContain(ready);
      const code = await server.exited;
      await Promise.all(clients);
      await pool.close().catch(() => undefined);
      expect(code).toBe(0);
      const before = results.filter((r) => r.sentBeforeSignal);
      expect(before.length).toBeGreaterThan(8);
      // every request sent before the signal got a 200
      expect(before.filter((r) => r.status !== 200)).toEqual([]);
      // requests after it were either served or refused a connection: never a 5xx
      expect(results.filter((r) => r.status !== undefined && r.status >= 500)).toEqual([]);
      expect(server.lines.some((l) => l.msg?.startsWith('draining'))).toBe(true);
      expect(server.lines.some((l) => l.msg === 'rtscore stopped' && l.code === 0)).toBe(true);
    },
    2 * START_LIMIT_MS,
  );

  it(
    '--workers runs several processes on one port and stops them all on SIGTERM',
    async () => {
      // A fixed free port: with port 0 each cluster worker would still share one listener, but we need to know it.
      const probe = await freePort();
      const server = await spawnServer(dir, { RTSCORE_PORT: String(probe) }, ['--workers', '2', '--port', String(probe)]);
      child = server.child;
      const pids = new Set<number>();
      let sent = 0;
      for (let i = 0; i < 40 && pids.size < 2; i++) {
        sent++;
        const res = await fetch(`${server.url}/v1/faq/match`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: '{"question":"card"}',
        });
        expect(res.status).toBe(200);
        await res.text();
        // each worker logs its own access lines with its pid: wait for this request's line
        await server.logged(() => server.lines.filter((l) => l.msg === 'request').length >= sent);
        for (const l of server.lines) if (l.msg === 'request') pids.add(l.pid);
      }
      expect(pids.size).toBe(2);

      // /metrics answers for the whole cluster, whichever worker takes the scrape.
      for (let i = 0; i < 4; i++) {
        const text = await (await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } })).text();
        const counted = [...text.matchAll(/^rtscore_http_requests_total\{[^}]*route="\/v1\/faq\/match"[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
        expect(counted).toBe(sent);
        expect(text).toMatch(/^rtscore_model_ready\{model="faq"\} 1$/m);
      }
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    },
    2 * START_LIMIT_MS,
  );

  it('a wrong configuration value stops start-up with a message naming it', async () => {
    const child2 = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--models', dir], {
      cwd: ROOT,
      env: { ...process.env, RTSCORE_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child2.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise((resolve) => child2.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/port \(RTSCORE_PORT\)/);
  });
});
