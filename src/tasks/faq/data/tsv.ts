import { basename } from 'node:path';
import { decodeLines, type RowProblem, readMaybeGzip } from './read-lines.js';

/** A row of `orig-q.tsv` / `dup-q.tsv`: `Id, AnswerId, Text0, CreationDate`. */
export interface QuestionRow {
  id: number;
  answerId: number;
  text0: string;
  creationDate: string;
  line: number;
}

/** A row of `ans.tsv`: `Id, Text0`. */
export interface AnswerRow {
  id: number;
  text0: string;
  line: number;
}

export interface TsvResult<T> {
  rows: T[];
  problems: RowProblem[];
}

const INTEGER = /^-?\d{1,15}$/;

function parseId(value: string): number | undefined {
  const v = value.trim();
  return INTEGER.test(v) ? Number(v) : undefined;
}

/**
 * Read a headerless TSV (optionally gzipped) of `columns` fields per line. Lines with the
 * wrong number of fields, non-integer ids or invalid UTF-8 are reported and skipped.
 */
async function readTsv<T>(
  path: string,
  columns: number,
  idColumns: number[],
  make: (fields: string[], ids: number[], line: number) => T,
): Promise<TsvResult<T>> {
  const file = basename(path);
  const rows: T[] = [];
  const problems: RowProblem[] = [];
  for (const decoded of decodeLines(await readMaybeGzip(path))) {
    if ('error' in decoded) {
      problems.push({ file, line: decoded.line, reason: decoded.error });
      continue;
    }
    if (decoded.text === '') continue; // blank lines carry nothing
    const fields = decoded.text.split('\t');
    if (fields.length !== columns) {
      problems.push({ file, line: decoded.line, reason: `expected ${columns} tab-separated columns, found ${fields.length}` });
      continue;
    }
    const ids: number[] = [];
    let bad: string | undefined;
    for (const c of idColumns) {
      const id = parseId(fields[c]!);
      if (id === undefined) {
        bad = `column ${c + 1} is not an integer id: ${JSON.stringify(fields[c]!.slice(0, 40))}`;
        break;
      }
      ids.push(id);
    }
    if (bad !== undefined) {
      problems.push({ file, line: decoded.line, reason: bad });
      continue;
    }
    rows.push(make(fields, ids, decoded.line));
  }
  return { rows, problems };
}

export function readQuestionsTsv(path: string): Promise<TsvResult<QuestionRow>> {
  return readTsv(path, 4, [0, 1], (f, ids, line) => ({
    id: ids[0]!,
    answerId: ids[1]!,
    text0: f[2]!,
    creationDate: f[3]!,
    line,
  }));
}

export function readAnswersTsv(path: string): Promise<TsvResult<AnswerRow>> {
  return readTsv(path, 2, [0], (f, ids, line) => ({ id: ids[0]!, text0: f[1]!, line }));
}
