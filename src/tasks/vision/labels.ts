import { readFile } from 'node:fs/promises';
import { rtsError } from '../../core/errors.js';

/** One class of a classifier, by output index. */
export interface Label {
  index: number;
  /** WordNet id (`n02127052`) when the label file has one. */
  wnid?: string;
  /** Human names, e.g. `lynx, catamount`. */
  label: string;
}

const WNID_LINE = /^(n\d{8})\s+(\S.*)$/;

/**
 * Parse a label file: one class per line, in output index order, either
 * `n02127052 lynx, catamount` (WordNet id, space, names: the ImageNet
 * `synset_words.txt` form) or just the names. Blank lines at the end are
 * ignored; a blank line in the middle is an error (it would shift indices).
 */
export function parseLabels(text: string, source = 'labels'): Label[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.map((raw, index) => {
    const line = raw.trim();
    if (line === '') throw rtsError('CONFIG', `${source}: line ${index + 1} is blank; every class needs a label`);
    const m = WNID_LINE.exec(line);
    return m ? { index, wnid: m[1]!, label: m[2]!.trim() } : { index, label: line };
  });
}

/**
 * Read a label file. With `expectedCount`, the number of labels must equal
 * the model's class count (a label file for another model would otherwise
 * name every prediction wrongly).
 */
export async function loadLabels(path: string, expectedCount?: number): Promise<Label[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw rtsError('CONFIG', `cannot read labels file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const labels = parseLabels(text, path);
  if (labels.length === 0) throw rtsError('CONFIG', `labels file ${path} is empty`);
  if (expectedCount !== undefined && labels.length !== expectedCount) {
    throw rtsError('CONFIG', `labels file ${path} has ${labels.length} labels but the model has ${expectedCount} classes`);
  }
  return labels;
}

/** The label as one string, as the reference API shows it: `n02127052 lynx, catamount`. */
export function formatLabel(label: Label): string {
  return label.wnid ? `${label.wnid} ${label.label}` : label.label;
}
