import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { rtsError } from '../../../core/errors.js';
import { parseOrThrow } from '../../../core/parse.js';
import { normalizeText } from './clean.js';
import { parseCsv } from './csv.js';
import type { FilterInput } from './filter.js';
import { decodeLines, type RowProblem, readMaybeGzip } from './read-lines.js';

const faqFileSchema = z
  .array(
    z
      .object({
        id: z.string().min(1),
        question: z.string().min(1),
        answer: z.string().min(1),
      })
      .strict(),
  )
  .min(1);

export type FaqFileEntry = z.infer<typeof faqFileSchema>[number];

export async function readFaqFile(path: string): Promise<FaqFileEntry[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw rtsError('INVALID_INPUT', `cannot read FAQ file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseOrThrow(faqFileSchema, parsed, 'INVALID_INPUT', path);
}

/**
 * Read a labelled-questions set: `faqs.json` (the FAQs: id = intent name, question, answer)
 * and `train.csv(.gz)` (`text,category`, RFC 4180, header row). Each question is a
 * "duplicate" of its intent's FAQ; its id is its data row number (1 = first after the
 * header). Lines with invalid UTF-8 and records without exactly two fields are reported
 * with their line number and skipped.
 */
export async function loadLabelledSet(dir: string): Promise<{ input: FilterInput; problems: RowProblem[] }> {
  const csvPath = [join(dir, 'train.csv.gz'), join(dir, 'train.csv')].find((p) => existsSync(p));
  if (!csvPath) throw rtsError('INVALID_INPUT', `${dir} has no train.csv or train.csv.gz`);
  const faqs = await readFaqFile(join(dir, 'faqs.json'));
  const file = basename(csvPath);
  const problems: RowProblem[] = [];

  // Decode line by line so a badly encoded line is reported on its own; it is replaced by
  // an empty line to keep the line numbers of the rest.
  const lines = decodeLines(await readMaybeGzip(csvPath)).map((l) => {
    if ('error' in l) {
      problems.push({ file, line: l.line, reason: l.error });
      return '';
    }
    return l.text;
  });
  const csv = parseCsv(lines.join('\n'));
  for (const p of csv.problems) problems.push({ file, ...p });

  let records = csv.records;
  const first = records[0]?.fields;
  if (first && first.length === 2 && first[0] === 'text' && first[1] === 'category') records = records.slice(1);

  const duplicates: FilterInput['duplicates'] = [];
  records.forEach((r, i) => {
    if (r.fields.length !== 2) {
      problems.push({ file, line: r.line, reason: `expected 2 fields (text,category), found ${r.fields.length}` });
      return;
    }
    duplicates.push({ id: i + 1, answerId: r.fields[1]!.trim(), text: normalizeText(r.fields[0]!) });
  });
  problems.sort((a, b) => a.line - b.line);

  return {
    input: {
      originals: faqs.map((f) => ({ id: f.id, answerId: f.id, text: normalizeText(f.question), question: f.question, answer: f.answer })),
      duplicates,
      answers: faqs.map((f) => ({ id: f.id, answer: f.answer })),
    },
    problems,
  };
}
