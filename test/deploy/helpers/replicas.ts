/** rtscore replicas as child processes on loopback, as a Deployment's pods would be. */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'undici';

export { freePort } from '../../../src/core/free-port.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** GET a path on `origin` over a fresh connection; the status, or 0 when it cannot connect. */
export async function statusOf(origin: string, path: string, timeoutMs = 1000): Promise<number> {
  try {
    const res = await request(`${origin}${path}`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, reset: true });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

/** The environment minus RTSCORE_* settings, so that only what a test sets configures its replicas. */
function withoutRtscoreSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('RTSCORE_')));
}

export interface ReplicaOptions {
  /** Sent back by the server in X-Rtscore-Instance. */
  id: string;
  port: number;
  /** argv of the server; the port is already in it. */
  command: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export class Replica {
  readonly id: string;
  readonly port: number;
  readonly origin: string;
  readonly process: ChildProcess;
  /** The process' exit: code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last output lines, for failure messages. */
  readonly output: string[] = [];
  exitedAt: number | undefined;

  constructor(options: ReplicaOptions) {
    this.id = options.id;
    this.port = options.port;
    this.origin = `http://127.0.0.1:${options.port}`;
    const [cmd, ...args] = options.command;
    this.process = spawn(cmd!, args, {
      cwd: options.cwd,
      env: { ...withoutRtscoreSettings(process.env), ...options.env, RTSCORE_INSTANCE_ID: options.id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - 40));
    };
    this.process.stdout!.on('data', keep);
    this.process.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exitedAt = Date.now();
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.exitedAt === undefined;
  }

  /** Wait until the process answers /healthz (it listens; it may not be ready). */
  async listening(timeoutMs: number): Promise<void> {
    await waitFor(
      `${this.id} to listen`,
      async () => {
        if (!this.running) throw new Error(`${this.id} exited:\n${this.output.join('\n')}`);
        return (await statusOf(this.origin, '/healthz')) === 200;
      },
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.output.join('\n')}`);
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /** Stop for good (cleanup): SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
