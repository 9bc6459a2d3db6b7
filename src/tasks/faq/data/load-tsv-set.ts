import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rtsError } from '../../../core/errors.js';
import { cleanText, htmlToText, titleOf } from './clean.js';
import type { FilterInput } from './filter.js';
import type { RowProblem } from './read-lines.js';
import { readAnswersTsv, readQuestionsTsv } from './tsv.js';

/** `orig-q.tsv.gz` if present, else `orig-q.tsv`. */
function findFile(dir: string, stem: string): string {
  for (const name of [`${stem}.tsv.gz`, `${stem}.tsv`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw rtsError('INVALID_INPUT', `${dir} has no ${stem}.tsv or ${stem}.tsv.gz`);
}

/**
 * Read the reference's three files (REFERENCE §1) from a folder and clean them (step 1).
 * Originals show their title as the question; the answer is the answer's text without tags.
 */
export async function loadTsvSet(dir: string): Promise<{ input: FilterInput; problems: RowProblem[] }> {
  const [orig, dup, ans] = await Promise.all([
    readQuestionsTsv(findFile(dir, 'orig-q')),
    readQuestionsTsv(findFile(dir, 'dup-q')),
    readAnswersTsv(findFile(dir, 'ans')),
  ]);
  return {
    input: {
      originals: orig.rows.map((r) => ({
        id: r.id,
        answerId: r.answerId,
        text: cleanText(r.text0),
        question: titleOf(r.text0),
        answer: '',
      })),
      duplicates: dup.rows.map((r) => ({ id: r.id, answerId: r.answerId, text: cleanText(r.text0) })),
      answers: ans.rows.map((r) => ({ id: r.id, answer: htmlToText(r.text0, { dropCode: false }) })),
    },
    problems: [...orig.problems, ...dup.problems, ...ans.problems],
  };
}
