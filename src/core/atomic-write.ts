import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Create `path` (a file or a folder) atomically: `fill` writes a hidden temporary sibling,
 * which is then renamed into place, so a reader (the model registry, a loader) never sees a
 * half-written file or version folder. On failure the temporary is removed. A file at `path`
 * is replaced; a folder must not exist yet.
 */
export async function writeAtomically<T>(path: string, fill: (temporary: string) => Promise<T>): Promise<T> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${Date.now()}.partial`);
  try {
    const result = await fill(temporary);
    await rename(temporary, path);
    return result;
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    throw err;
  }
}

/** `writeFile`, atomically (see `writeAtomically`). */
export function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  return writeAtomically(path, (temporary) => writeFile(temporary, data));
}
