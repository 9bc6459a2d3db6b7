import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The rtscore package root (the folder of its package.json), found from this module so
 * that shipped files (data, labels, the web page's siblings) are found both from source
 * (tsx, vitest) and from `dist/`, whatever the current directory is. Falls back to the
 * current directory.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rtscore') return (cachedRoot = dir);
      } catch {
        /* not ours; keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) return (cachedRoot = process.cwd());
    dir = up;
  }
}
