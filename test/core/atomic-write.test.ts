import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically, writeFileAtomically } from '../../src/core/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('atomic writes', () => {
  it('replace a file only once the new content is complete', async () => {
    const path = join(dir, 'model.bin');
    await writeFile(path, 'old');
    await writeFileAtomically(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['model.bin']);
  });

  it('publish a folder whole, and leave nothing behind when filling it fails', async () => {
    const version = join(dir, '1');
    let seenDuringFill: string[] = [];
    await writeAtomically(version, async (tmp) => {
      await mkdir(tmp);
      await writeFile(join(tmp, 'a.json'), '{}');
      seenDuringFill = await readdir(dir);
    });
    expect(seenDuringFill).toHaveLength(1);
    expect(seenDuringFill[0]).toMatch(/^\.1\..*\.partial$/); // hidden, not a numbered version
    expect(await readdir(version)).toEqual(['a.json']);

    await expect(
      writeAtomically(join(dir, '2'), async (tmp) => {
        await mkdir(tmp);
        await writeFile(join(tmp, 'half.json'), '{');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readdir(dir)).toEqual(['1']);
  });
});
