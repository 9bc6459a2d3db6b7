import { basename } from 'node:path';
import { rtsError } from '../../../core/errors.js';
import { normalizeText } from './clean.js';
import { parseCsv } from './csv.js';
import type { FilterInput } from './filter.js';
import { decodeLines, readMaybeGzip } from './read-lines.js';

/**
 * A user's own FAQ data: a CSV of labelled questions (`text,label`, header row, RFC 4180;
 * `category` is accepted for `label`, other columns are ignored) and a JSON file of the
 * FAQs (`[{"id", "question", "answer"}, …]`), each question's label being an FAQ id.
 * Unlike the shipped sets, nothing is skipped quietly: a problem stops the load with a
 * message naming the file and line (the first few problems, and how many there are).
 */
export interface CustomDataFiles {
  /** The labelled questions (.csv or .csv.gz). */
  questions: string;
  /** The FAQs (.json). */
  faqs: string;
}

const MAX_SHOWN = 5;

class Problems {
  private readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
  /** Throw one error listing the first problems, if there are any. */
  check(what: string): void {
    if (this.list.length === 0) return;
    const more = this.list.length > MAX_SHOWN ? `\n  … and ${this.list.length - MAX_SHOWN} more` : '';
    throw rtsError(
      'INVALID_INPUT',
      `${what}: ${this.list.length} problem${this.list.length === 1 ? '' : 's'}\n  ${this.list.slice(0, MAX_SHOWN).join('\n  ')}${more}`,
    );
  }
}

/** The 1-based line of character `index` of `text`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

interface CustomFaq {
  id: string;
  question: string;
  answer: string;
}

/** The FAQ file: a JSON array of {id, question, answer}, ids unique; problems named with their line. */
export async function readCustomFaqs(path: string): Promise<CustomFaq[]> {
  const file = basename(path);
  const lines = decodeLines(await readMaybeGzip(path));
  const bad = lines.find((l) => 'error' in l);
  if (bad) throw rtsError('INVALID_INPUT', `${file}:${bad.line}: invalid UTF-8 (save the file as UTF-8)`);
  const text = lines.map((l) => ('text' in l ? l.text : '')).join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    throw rtsError('INVALID_INPUT', `${file}${at ? `:${lineAt(text, Number(at[1]))}` : ''}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw rtsError('INVALID_INPUT', `${file}: expected a JSON array of FAQs [{"id", "question", "answer"}, …]`);
  // Where each entry starts, to name lines: the n-th top-level object.
  const starts: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (c === '{' && depth === 1) starts.push(i);
      depth++;
    } else if (c === '}' || c === ']') depth--;
  }
  const where = (i: number) => `${file}:${starts[i] !== undefined ? lineAt(text, starts[i]!) : '?'}`;
  const problems = new Problems();
  const seen = new Map<string, number>();
  const faqs: CustomFaq[] = [];
  parsed.forEach((entry: unknown, i) => {
    const e = (typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? entry : {}) as Record<string, unknown>;
    const id = typeof e.id === 'number' && Number.isFinite(e.id) ? String(e.id) : e.id;
    const missing = (['question', 'answer'] as const).filter((k) => typeof e[k] !== 'string' || (e[k] as string).trim() === '');
    if (typeof id !== 'string' || id.trim() === '') missing.unshift('id' as never);
    if (missing.length) {
      problems.add(`${where(i)}: FAQ ${i + 1} has no ${missing.join(', no ')} (each FAQ needs a non-empty id, question and answer)`);
      return;
    }
    const key = (id as string).trim();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.add(`${where(i)}: duplicate FAQ id "${key}" (first used at ${where(first)})`);
      return;
    }
    seen.set(key, i);
    faqs.push({ id: key, question: e.question as string, answer: e.answer as string });
  });
  problems.check(`the FAQ file ${path}`);
  return faqs;
}

/** Read and check both files; the result feeds the same filtering, split, training and evaluation as BANKING77. */
export async function loadCustomSet(files: CustomDataFiles): Promise<{ input: FilterInput; problems: [] }> {
  const faqs = await readCustomFaqs(files.faqs);
  const ids = new Set(faqs.map((f) => f.id));
  const file = basename(files.questions);
  const problems = new Problems();

  const decoded = decodeLines(await readMaybeGzip(files.questions));
  for (const l of decoded) if ('error' in l) problems.add(`${file}:${l.line}: invalid UTF-8 (save the file as UTF-8)`);
  problems.check(`the questions file ${files.questions}`);
  const csv = parseCsv(decoded.map((l) => ('text' in l ? l.text : '')).join('\n'));
  for (const p of csv.problems) problems.add(`${file}:${p.line}: ${p.reason}`);
  problems.check(`the questions file ${files.questions}`);

  const [header, ...rows] = csv.records;
  if (!header) throw rtsError('INVALID_INPUT', `${file}: empty; expected a header row "text,label" and one labelled question per row`);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const textColumn = names.indexOf('text');
  const labelColumn = names.indexOf('label') >= 0 ? names.indexOf('label') : names.indexOf('category');
  if (textColumn < 0 || labelColumn < 0) {
    const lacking = [textColumn < 0 ? 'text' : '', labelColumn < 0 ? 'label' : ''].filter(Boolean).join(' and ');
    throw rtsError(
      'INVALID_INPUT',
      `${file}:${header.line}: the header row has no ${lacking} column (found: ${header.fields.join(', ') || 'nothing'}); expected "text,label"`,
    );
  }
  if (rows.length === 0) throw rtsError('INVALID_INPUT', `${file}: no question below the header row`);

  const duplicates: FilterInput['duplicates'] = [];
  rows.forEach((r, i) => {
    if (r.fields.length !== names.length) {
      problems.add(`${file}:${r.line}: expected ${names.length} fields (${header.fields.join(',')}), found ${r.fields.length}`);
      return;
    }
    const text = r.fields[textColumn]!;
    const label = r.fields[labelColumn]!.trim();
    if (text.trim() === '') problems.add(`${file}:${r.line}: empty text`);
    if (label === '') problems.add(`${file}:${r.line}: empty label`);
    else if (!ids.has(label)) problems.add(`${file}:${r.line}: label "${label}" is not the id of an FAQ in ${basename(files.faqs)}`);
    if (text.trim() !== '' && label !== '' && ids.has(label)) duplicates.push({ id: i + 1, answerId: label, text: normalizeText(text) });
  });
  problems.check(`the questions file ${files.questions}`);

  const labels = new Set(duplicates.map((d) => d.answerId));
  if (labels.size < 2) {
    throw rtsError('INVALID_INPUT', `${file}: every question has the label "${[...labels][0]}"; a matcher needs questions of at least two FAQs`);
  }
  return {
    input: {
      originals: faqs.map((f) => ({ id: f.id, answerId: f.id, text: normalizeText(f.question), question: f.question, answer: f.answer })),
      duplicates,
      answers: faqs.map((f) => ({ id: f.id, answer: f.answer })),
    },
    problems: [],
  };
}
