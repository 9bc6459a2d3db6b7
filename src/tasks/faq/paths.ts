import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetName } from './types.js';

let cachedRoot: string | undefined;

/**
 * The rtscore package root (the folder of its package.json), found from this module so
 * that the shipped data is found both from source (tsx, vitest) and from `dist/`, whatever
 * the current directory is.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rtscore') return (cachedRoot = dir);
      } catch { /* not ours; keep looking */ }
    }
    const up = dirname(dir);
    if (up === dir) return (cachedRoot = process.cwd());
    dir = up;
  }
}

/** The shipped data of each dataset (under the package's `data/`). */
export function defaultInput(dataset: DatasetName): string {
  return join(packageRoot(), 'data', dataset === 'faq' ? 'travel-se-dups' : 'banking77');
}

/** Where `prepare` writes and `train` reads a prepared set: `work-data/<dataset>` (current directory). */
export function defaultPreparedDir(dataset: DatasetName): string {
  return resolve('work-data', dataset);
}
