import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePort } from '../src/core/free-port.js';

/**
 * The real rtscore server as a child process, for benchmarks that must
 * measure what a client sees (HTTP parsing, validation, JSON, sockets), not
 * an in-process shortcut. Listens on 127.0.0.1 only.
 */
export interface ServerProcessOptions {
  modelsDir: string;
  /** Models to load (`--only`). */
  models: string[];
  /** Extra RTSCORE_* settings (e.g. `{ RTSCORE_ONNX_THREADS: '2' }`). */
  env?: Record<string, string>;
  /** How long loading and warming the models may take. Default 180 s. */
  readyTimeoutMs?: number;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info';
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<number | string | null>;
}

/**
 * How to run the rtscore CLI from here: the compiled `dist/src/cli/main.js`
 * next to the compiled bench, or `src/cli/main.ts` through tsx when the bench
 * itself runs from TypeScript source (vitest, tsx). `RTSCORE_BENCH_CLI=<main.js>`
 * serves with another build instead (an earlier commit's, say), so two builds are
 * measured by the same harness: it must accept the same `serve` options.
 */
export function cliCommand(): { command: string; args: string[] } {
  const other = process.env.RTSCORE_BENCH_CLI;
  if (other) return { command: process.execPath, args: [other] };
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return { command: process.execPath, args: fromSource ? ['--import', 'tsx', main] : [main] };
}

/** Children still running, killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();

/** Server processes started here and not yet exited. */
export function liveServerCount(): number {
  return live.size;
}
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  // Interrupted (Ctrl-C, kill): let the servers drain, then go.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGTERM');
      const timer = setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 5000);
      const check = setInterval(() => {
        if (live.size === 0) {
          clearInterval(check);
          clearTimeout(timer);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
      }, 50);
    });
  }
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const { command, args } = cliCommand();
  // A defined configuration: no RTSCORE_* from the caller's shell (API keys, a
  // config file, rate limits would change or break the measurement).
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RTSCORE_')));
  Object.assign(env, options.env ?? {});
  return spawnHttpServer({
    command,
    args: [
      ...args,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--models',
      options.modelsDir,
      '--only',
      options.models.join(','),
      '--no-build-missing',
      '--log-level',
      options.logLevel ?? 'warn',
    ],
    env,
    port,
    readyPath: '/readyz',
    readyTimeoutMs: options.readyTimeoutMs ?? 180_000,
  });
}

export interface SpawnHttpServerOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The port it was told to listen on (127.0.0.1). */
  port: number;
  /** Answers 200 once the server is ready. */
  readyPath: string;
  readyTimeoutMs: number;
}

/**
 * Any HTTP server as a child process (rtscore, or a peer it is compared with): started,
 * waited for until `readyPath` answers 200, stopped with SIGTERM (SIGKILL after a grace
 * period, and when this process exits).
 */
export async function spawnHttpServer(options: SpawnHttpServerOptions): Promise<ServerProcess> {
  // The child's output goes to a file, not a pipe into this process: at `info` a busy
  // server writes an access line per request, and reading them here would take CPU from
  // the load generator, which runs in this process (a log collector is not on the
  // server's path either). The file is kept for error messages and removed on a clean stop.
  const logDir = mkdtempSync(join(tmpdir(), 'rtscore-bench-server-'));
  const logFile = join(logDir, 'output.log');
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, { env: options.env ?? process.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  installExitHook();
  live.add(child);

  /** The end of the child's output, for error messages. */
  let extra = '';
  const tail = (): string => {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      // Removed already: nothing to show.
    }
    return `${text}${extra}`;
  };
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal);
    });
    child.once('error', (err) => {
      extra += `\n${err.message}`;
      live.delete(child);
      resolve(null);
    });
  });

  const url = `http://127.0.0.1:${options.port}`;
  const stop = async (graceMs = 15_000): Promise<number | string | null> => {
    if (child.exitCode !== null || child.signalCode !== null || !live.has(child)) return child.exitCode ?? child.signalCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      const code = await exited;
      // A clean stop (exit 0, or ended by our SIGTERM) keeps nothing; otherwise the output stays for a look.
      if (code === 0 || code === 'SIGTERM') rmSync(logDir, { recursive: true, force: true });
      else process.stderr.write(`server output: ${logFile}\n`);
      return code;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await waitReady(
      url,
      options.readyPath,
      options.readyTimeoutMs,
      exited.then((code) => {
        throw new Error(`the server exited (${String(code)}) before it was ready:\n${tail().trim()}`);
      }),
    );
  } catch (err) {
    await stop(2000);
    throw err;
  }
  return { url, pid: child.pid!, stop };
}

/** Poll `readyPath` until it answers 200, the child dies, or time runs out. */
async function waitReady(url: string, readyPath: string, timeoutMs: number, died: Promise<never>): Promise<void> {
  died.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const attempt = request(`${url}${readyPath}`, { headersTimeout: 2000, bodyTimeout: 2000 })
      .then(async (res) => {
        const text = await res.body.text();
        return { status: res.statusCode, text };
      })
      .catch((err: Error) => ({ status: 0, text: err.message }));
    const result = await Promise.race([attempt, died]);
    if (result.status === 200) return;
    last = `${result.status} ${result.text.slice(0, 300)}`;
    if (Date.now() > deadline) throw new Error(`the server at ${url} was not ready within ${timeoutMs} ms (last ${readyPath}: ${last})`);
    await Promise.race([new Promise((r) => setTimeout(r, 200)), died]);
  }
}
