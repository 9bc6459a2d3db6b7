import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatLabel, loadLabels, parseLabels } from '../../../src/tasks/vision/labels.js';

const SHIPPED = fileURLToPath(new URL('../../../data/imagenet/labels.txt', import.meta.url));

describe('the shipped ImageNet labels', () => {
  it('has the 1000 classes in torchvision index order, with WordNet ids', async () => {
    const labels = await loadLabels(SHIPPED, 1000);
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toEqual({ index: 0, wnid: 'n01440764', label: 'tench, Tinca tinca' });
    expect(labels[287]).toEqual({ index: 287, wnid: 'n02127052', label: 'lynx, catamount' });
    expect(labels[999]).toEqual({ index: 999, wnid: 'n15075141', label: 'toilet tissue, toilet paper, bathroom tissue' });
    expect(formatLabel(labels[287]!)).toBe('n02127052 lynx, catamount');
    // torchvision's class index is the sorted order of the ILSVRC-2012 WordNet ids.
    const wnids = labels.map((l) => l.wnid!);
    expect(new Set(wnids).size).toBe(1000);
    expect([...wnids].sort()).toEqual(wnids);
  });

  it('refuses a label file whose size does not match the model', async () => {
    await expect(loadLabels(SHIPPED, 10)).rejects.toThrow(/1000 labels but the model has 10 classes/);
  });
});

describe('label files', () => {
  it('accepts plain names, CRLF line ends and a trailing blank line', () => {
    expect(parseLabels('cat\r\ndog\r\n\r\n')).toEqual([
      { index: 0, label: 'cat' },
      { index: 1, label: 'dog' },
    ]);
  });

  it('refuses a blank line in the middle, which would shift every later index', () => {
    expect(() => parseLabels('cat\n\ndog\n')).toThrow(/line 2 is blank/);
  });

  it('reports a missing file as a configuration error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rts-labels-'));
    await expect(loadLabels(join(dir, 'nope.txt'))).rejects.toMatchObject({ code: 'RTS_ERR_CONFIG' });
    await writeFile(join(dir, 'empty.txt'), '\n');
    await expect(loadLabels(join(dir, 'empty.txt'))).rejects.toThrow(/empty/);
  });
});
