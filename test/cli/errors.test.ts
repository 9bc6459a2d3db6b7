import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

/** The command line's answers to user mistakes: one line on stderr, exit 1, never a stack trace. */
interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { encoding: 'utf8', env: { ...process.env, RTSCORE_LOG_LEVEL: 'info' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

function expectOneLine(r: Result, message: RegExp): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^rtscore: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('command-line errors', { timeout: 180_000 }, () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rts-cli-errors-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('unknown dataset, architecture or depth, a port in use, an empty repository: one line each, exit 1', async () => {
    // One batch of processes: each start costs seconds on a loaded machine.
    const [train, arch, depth, port, empty, emptyWorkers] = await Promise.all([
      cli('train', 'foo'),
      cli('build-model', 'vgg'),
      cli('build-model', 'resnet', '--depth', '19', '--dry-run'),
      cli('serve', '--host', '127.0.0.1', '--port', String(busyPort), '--models', dir, '--no-build-missing'),
      cli('serve', '--host', '127.0.0.1', '--port', '0', '--models', dir, '--no-build-missing'),
      cli('serve', '--host', '127.0.0.1', '--port', '0', '--models', dir, '--no-build-missing', '--workers', '2'),
    ]);
    expectOneLine(train, /unknown dataset "foo" \(faq or banking77\)/);
    expectOneLine(arch, /'vgg' is invalid for argument 'arch'\. Allowed choices are resnet/);
    expectOneLine(depth, /--depth must be one of 18, 34, 50, 101, 152$/);
    expectOneLine(
      port,
      new RegExp(`port ${busyPort} is already in use on 127\\.0\\.0\\.1: stop the other server or choose another port \\(--port or RTSCORE_PORT\\)`),
    );
    // The empty repository's log must not claim a clean stop.
    expectOneLine(empty, /the model repository .* has no models: add a folder per model with a config\.json/);
    const logs = empty.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; code?: number });
    expect(logs.find((l) => l.msg === 'rtscore stopped')?.code).toBe(1);
    // With --workers the primary says it once instead of restarting failing workers.
    expectOneLine(emptyWorkers, /the model repository .* has no models/);
  });

  it('help texts print each default once and cite no document the user lacks', () => {
    const program = buildProgram();
    const commands = program.commands;
    expect(commands.map((c) => c.name())).toEqual(expect.arrayContaining(['serve', 'prepare', 'train', 'evaluate', 'build-model', 'build-models']));
    for (const command of [program, ...commands]) {
      const help = command.helpInformation();
      // One option's text per line, its continuation lines folded in.
      const options = help
        .replace(/\n {6,}/g, ' ')
        .split('\n')
        .filter((l) => /^\s+-/.test(l));
      for (const line of options) expect(line.match(/default/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
      expect(help, command.name()).not.toMatch(/§|REFERENCE|\.md\b|docs\//);
    }
  });
});
