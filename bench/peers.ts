import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/core/free-port.js';
import { runPrepare } from '../src/tasks/faq/data/prepare.js';
import { type ServerProcess, spawnHttpServer } from './server-process.js';

/**
 * The servers rtscore is compared with in the same run: the bare fastify ceiling, and the
 * reference's Flask + scikit-learn FAQ server rebuilt (bench/reference/faq_server.py), run
 * only where a Python with Flask and scikit-learn is installed.
 */

/** bench/bare-fastify as a child process (compiled, or through tsx when running from source). */
export async function startBareFastify(): Promise<ServerProcess> {
  const port = await freePort();
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./bare-fastify.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return spawnHttpServer({
    command: process.execPath,
    args: [...(fromSource ? ['--import', 'tsx'] : []), script, String(port)],
    port,
    readyPath: '/healthz',
    readyTimeoutMs: 30_000,
  });
}

/** The Python source, next to the TypeScript source (dist/bench → ../../bench/reference). */
function referenceScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromSource = import.meta.url.endsWith('.ts');
  return join(here, fromSource ? '' : '../../bench', 'reference', 'faq_server.py');
}

/**
 * A Python that has Flask and scikit-learn (Debian's `/usr/bin/python3` first: the
 * `python3` first on PATH may be a separate install without Debian's packages), or the
 * reason there is none.
 */
export function findReferencePython(): { python: string } | { missing: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import flask, sklearn, scipy, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python };
  }
  return { missing: 'no python3 with Flask and scikit-learn (Debian: apt-get install python3-flask python3-sklearn python3-pandas gunicorn)' };
}

/** Whether Debian's gunicorn (for the same Python) is there. */
export function hasGunicorn(python: string): boolean {
  return spawnSync(python, ['-c', 'import gunicorn'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
}

export interface ReferenceServer extends ServerProcess {
  /** FAQs the reference model scores per request. */
  faqCount: number;
}

/**
 * The reference's server for a shipped FAQ data set, trained at start on that set's
 * training duplicates (prepared as rtscore prepares it): Flask's single-threaded
 * development server, or gunicorn with `workers` processes.
 */
export async function startReferenceServer(options: { python: string; dataset: 'faq' | 'banking77'; gunicornWorkers?: number }): Promise<ReferenceServer> {
  const set = await runPrepare({ dataset: options.dataset, out: false });
  const dir = await mkdtemp(join(tmpdir(), 'rtscore-reference-'));
  const dataPath = join(dir, 'set.json');
  await writeFile(
    dataPath,
    JSON.stringify({
      originals: set.originals.map((o) => ({ id: o.id, answerId: o.answerId, text: o.text })),
      train: set.train.map((q) => ({ answerId: q.answerId, text: q.text })),
    }),
  );
  const port = await freePort();
  const script = referenceScript();
  const args = options.gunicornWorkers
    ? [
        '-m',
        'gunicorn',
        '-w',
        String(options.gunicornWorkers),
        '-b',
        `127.0.0.1:${port}`,
        '--chdir',
        dirname(script),
        `faq_server:create_app(${JSON.stringify(dataPath)})`,
      ]
    : [script, '--data', dataPath, '--port', String(port)];
  try {
    const server = await spawnHttpServer({ command: options.python, args, port, readyPath: '/', readyTimeoutMs: 180_000 });
    return {
      ...server,
      faqCount: set.originals.length,
      stop: async (graceMs) => {
        try {
          return await server.stop(graceMs);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
