import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `rtscore train` as a user runs it: own data with the banking77 pipeline, plain progress lines in a pipe, one-line errors. */
const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...args], { timeout: 240_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rts-cli-train-'));
  const ids = ['delivery', 'billing', 'access'];
  const words = [
    ['parcel', 'tracking', 'courier'],
    ['invoice', 'vat', 'receipt'],
    ['password', 'login', 'account'],
  ];
  await writeFile(join(root, 'faqs.json'), JSON.stringify(ids.map((id, i) => ({ id, question: `About ${words[i]![0]}?`, answer: `See ${words[i]![1]}.` }))));
  const rows = ['text,label'];
  ids.forEach((id, i) => {
    for (let k = 0; k < 12; k++) rows.push(`my ${words[i]![k % 3]} number ${k} and ${words[i]![(k + 1) % 3]},${id}`);
  });
  await writeFile(join(root, 'questions.csv'), `${rows.join('\n')}\n`);
  await writeFile(join(root, 'bad.csv'), 'text,label\nhello,delivery\nbye,\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('rtscore train', () => {
  it('trains on your CSV and FAQ file with progress lines (epoch n/N, elapsed, ETA)', async () => {
    const r = await cli(['--data', join(root, 'questions.csv'), '--faqs', join(root, 'faqs.json'), '--name', 'support', '--models', join(root, 'models')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[final\] epoch 3\/8: loss [\d.]+, elapsed \d+:\d\d, ETA \d+:\d\d$/m);
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toMatch(/^test: +Accuracy@1 = /m);
    expect(existsSync(join(root, 'models', 'support', '1', 'pipeline.bin'))).toBe(true);
  }, 240_000); // two fits in worker threads from a fresh process: slow on a busy two-core machine

  it('says what is wrong in the data, with its line, and exits 1 without a stack', async () => {
    const r = await cli(['--data', join(root, 'bad.csv'), '--faqs', join(root, 'faqs.json'), '--name', 'bad', '--models', join(root, 'models')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv:3: empty label/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('asks for what is missing', async () => {
    const noFaqs = await cli(['--data', join(root, 'questions.csv'), '--name', 'x']);
    expect(noFaqs.code).toBe(1);
    expect(noFaqs.stderr).toMatch(/give the FAQs too: --faqs faqs\.json/);
    const nothing = await cli([]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/give a preset \(faq or banking77\) or your data/);
  });
});
