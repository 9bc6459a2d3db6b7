import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { freePort } from '../../src/core/free-port.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Start `rtscore serve` as a real process; resolve with its URL once ready. */
async function spawnServer(modelsDir: string, env: Record<string, string> = {}, extraArgs: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--models', modelsDir, '--no-build-missing', ...extraArgs], {
    cwd: ROOT, env: { ...process.env, RTSCORE_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: any[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line);
        lines.push(entry);
        if (entry.msg === 'rtscore listening') resolve(entry.url);
      } catch { /* not a log line */ }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited early (${code})`)); });
  });
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, lines, exited };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-life-'));
  await makeFaqRepo(dir);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('graceful shutdown', () => {
  let child: ChildProcess | undefined;
  afterAll(() => { child?.kill('SIGKILL'); });

  it('on SIGTERM: readiness false at once, in-flight requests all answered, exit 0', async () => {
    const server = await spawnServer(dir, { RTSCORE_SHUTDOWN_DELAY_MS: '400', RTSCORE_SHUTDOWN_GRACE_MS: '10000' });
    child = server.child;
    const pool = new Pool(server.url, { connections: 8, pipelining: 1 });
    const questions = Array.from({ length: 64 }, (_, i) => `question number ${i} about my card top up and transfer fees`);
    const results: { status?: number; error?: string; sentBeforeSignal: boolean }[] = [];
    let signalled = false;
    const one = async () => {
      const sentBeforeSignal = !signalled;
      try {
        const res = await pool.request({ path: '/v1/faq/match', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ questions }) });
        await res.body.json();
        results.push({ status: res.statusCode, sentBeforeSignal });
      } catch (err) {
        results.push({ error: (err as Error).message, sentBeforeSignal });
      }
    };
    // 8 clients, each looping until the server is gone (bounded to 400 requests in all).
    let budget = 400;
    const clients = Array.from({ length: 8 }, async () => {
      while (budget-- > 0 && server.child.exitCode === null) await one();
    });
    // let traffic flow first (bounded wait: the machine may be busy)
    for (let i = 0; i < 200 && results.length < 16; i++) await new Promise((r) => setTimeout(r, 25));
    server.child.kill('SIGTERM');
    signalled = true;
    await new Promise((r) => setTimeout(r, 100));
    // readiness turns false while it still serves during the shutdown delay
    const ready = await fetch(`${server.url}/readyz`).then((r) => r.status).catch(() => 0);
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
  });

  it('--workers runs several processes on one port and stops them all on SIGTERM', async () => {
    // A fixed free port: with port 0 each cluster worker would still share one listener, but we need to know it.
    const probe = await freePort();
    const server = await spawnServer(dir, { RTSCORE_PORT: String(probe) }, ['--workers', '2', '--port', String(probe)]);
    child = server.child;
    const pids = new Set<number>();
    let sent = 0;
    for (let i = 0; i < 40 && pids.size < 2; i++) {
      sent++;
      const res = await fetch(`${server.url}/v1/faq/match`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: '{"question":"card"}' });
      expect(res.status).toBe(200);
      await res.text();
      // each worker logs its own access lines with its pid
      for (const l of server.lines) if (l.msg === 'request') pids.add(l.pid);
      await new Promise((r) => setTimeout(r, 20));
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
  });

  it('a wrong configuration value stops start-up with a message naming it', async () => {
    const child2 = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--models', dir], {
      cwd: ROOT, env: { ...process.env, RTSCORE_PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child2.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise((resolve) => child2.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/port \(RTSCORE_PORT\)/);
  });
});
