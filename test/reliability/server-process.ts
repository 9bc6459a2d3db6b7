import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..', '..');

export interface SpawnedServer {
  child: ChildProcess;
  url: string;
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * `rtscore serve` as a real process on an ephemeral loopback port, with the
 * default configuration except the models folder; resolves once its log says
 * every model is loaded and warmed (no polling).
 */
export async function spawnServer(modelsDir: string, env: Record<string, string> = {}): Promise<SpawnedServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--models', modelsDir, '--no-build-missing'],
    {
      cwd: ROOT,
      env: { ...process.env, RTSCORE_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url = '';
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(entry);
      if (entry.msg === 'rtscore listening') url = String(entry.url);
      if (typeof entry.msg === 'string' && entry.msg.startsWith('ready:')) resolve();
    });
    void exited.then((code) => reject(new Error(`server exited before it was ready (${code}): ${stderr.slice(-2000)}`)));
  });
  return { child, url, lines, stderr: () => stderr, exited };
}
