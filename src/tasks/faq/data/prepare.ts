import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rtsError } from '../../../core/errors.js';
import { DATASET_CHOICES, datasetPresets, isDatasetName } from './datasets.js';
import { filterAndSplit, pct } from './filter.js';
import { loadLabelledSet } from './load-banking77.js';
import { type CustomDataFiles, loadCustomSet } from './load-custom.js';
import { loadTsvSet } from './load-tsv-set.js';
import { defaultInput, defaultPreparedDir } from './paths.js';
import { formatProblem } from './read-lines.js';
import { formatSummary } from './summary.js';
import type { DatasetName, FaqOriginal, LabelledQuestion, PreparedSet, PrepareParams, PrepareStats } from './types.js';

export interface PrepareOptions {
  dataset: DatasetName;
  /** Folder of the raw files (default: the shipped `data/travel-se-dups` or `data/banking77`). */
  input?: string;
  /** A user's own labelled questions and FAQs instead of `input` (checked strictly; `dataset` gives the preset). */
  custom?: CustomDataFiles;
  /** Folder to write the prepared set to (default `work-data/<dataset>`); `false` = do not write. */
  out?: string | false;
  minText?: number;
  minDupes?: number;
  testSize?: number;
  seed?: number;
  print?: (line: string) => void;
}

const MAX_LISTED_PROBLEMS = 1000;

/** Read, clean, filter and split a dataset (REFERENCE §1 steps 1–6); write it unless `out: false`. */
export async function runPrepare(options: PrepareOptions): Promise<PreparedSet> {
  const { dataset } = options;
  const print = options.print ?? (() => {});
  if (!isDatasetName(dataset)) throw rtsError('INVALID_INPUT', `unknown dataset ${JSON.stringify(dataset)} (expected ${DATASET_CHOICES})`);
  const preset = datasetPresets[dataset];
  const d = preset.prepare;
  const params: PrepareParams = {
    minText: options.minText ?? d.minText,
    minDupes: options.minDupes ?? d.minDupes,
    testSize: options.testSize ?? d.testSize,
    seed: options.seed ?? d.seed,
  };
  validateParams(params);
  const input = options.custom ? `${options.custom.questions} + ${options.custom.faqs}` : (options.input ?? defaultInput(dataset));

  print(`preparing ${options.custom ? 'your data' : dataset} from ${input}`);
  const loaded = options.custom ? await loadCustomSet(options.custom) : preset.format === 'tsv' ? await loadTsvSet(input) : await loadLabelledSet(input);
  for (const p of loaded.problems.slice(0, 20)) print(`skipped malformed row ${formatProblem(p)}`);
  if (loaded.problems.length > 20) print(`… and ${loaded.problems.length - 20} more malformed rows (listed in stats.json)`);

  const r = filterAndSplit(loaded.input, params, print);
  if (r.originals.length === 0)
    throw rtsError('INVALID_INPUT', `no FAQ is left in ${input} after filtering (min_text ${params.minText}, min_dupes ${params.minDupes})`);
  print(`text length, originals:  ${formatSummary(r.textLength.originals)}`);
  print(`text length, duplicates: ${formatSummary(r.textLength.duplicates)}`);
  print(`duplicates per original: ${formatSummary(r.dupesPerOriginal)}`);
  print(`largest class: ${r.largestClass.answerId} with ${r.largestClass.count} duplicates (${pct(r.largestClass.share)})`);

  const stats: PrepareStats = {
    dataset,
    input,
    params,
    problemCount: loaded.problems.length,
    problems: loaded.problems.slice(0, MAX_LISTED_PROBLEMS),
    steps: r.steps,
    textLength: r.textLength,
    dupesPerOriginal: r.dupesPerOriginal,
    largestClass: r.largestClass,
    split: { train: r.train.length, test: r.test.length },
  };
  const set: PreparedSet = { dataset, originals: r.originals, train: r.train, test: r.test, stats };
  if (options.out !== false) {
    const out = options.out ?? defaultPreparedDir(dataset);
    await writePrepared(out, set);
    print(`wrote ${out}/{originals,train,test}.jsonl and stats.json`);
  }
  return set;
}

function validateParams(p: PrepareParams): void {
  const bad = (msg: string): never => {
    throw rtsError('INVALID_INPUT', msg);
  };
  if (!Number.isInteger(p.minText) || p.minText < 0) bad(`minText must be an integer >= 0, got ${p.minText}`);
  if (!Number.isInteger(p.minDupes) || p.minDupes < 1) bad(`minDupes must be an integer >= 1, got ${p.minDupes}`);
  if (!(p.testSize > 0 && p.testSize < 1)) bad(`testSize must be between 0 and 1 (exclusive), got ${p.testSize}`);
  if (!Number.isInteger(p.seed)) bad(`seed must be an integer, got ${p.seed}`);
}

const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

export async function writePrepared(dir: string, set: PreparedSet): Promise<void> {
  await mkdir(dir, { recursive: true });
  const q = (rows: LabelledQuestion[]): LabelledQuestion[] => rows.map(({ id, answerId, text }) => ({ id, answerId, text }));
  await Promise.all([
    writeFile(join(dir, 'originals.jsonl'), jsonl(set.originals.map(({ id, answerId, text, question, answer }) => ({ id, answerId, text, question, answer })))),
    writeFile(join(dir, 'train.jsonl'), jsonl(q(set.train))),
    writeFile(join(dir, 'test.jsonl'), jsonl(q(set.test))),
    writeFile(join(dir, 'stats.json'), `${JSON.stringify(set.stats, null, 2)}\n`),
  ]);
}

async function readJsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw rtsError('INVALID_INPUT', `${path}:${i + 1}: not valid JSON`);
      }
    });
}

/** Read a prepared set written by `writePrepared`. */
export async function readPrepared(dir: string): Promise<PreparedSet> {
  try {
    const [originals, train, test, statsText] = await Promise.all([
      readJsonl<FaqOriginal>(join(dir, 'originals.jsonl')),
      readJsonl<LabelledQuestion>(join(dir, 'train.jsonl')),
      readJsonl<LabelledQuestion>(join(dir, 'test.jsonl')),
      readFile(join(dir, 'stats.json'), 'utf8'),
    ]);
    const stats = JSON.parse(statsText) as PrepareStats;
    return { dataset: stats.dataset, originals, train, test, stats };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw rtsError('INVALID_INPUT', `no prepared set in ${dir} (run prepare first)`, { cause: err });
    throw err;
  }
}

/** The prepared set from its folder, or prepared in memory from the shipped data with the default parameters. */
export async function loadOrPrepare(dataset: DatasetName, preparedDir: string | undefined, print: (line: string) => void, seed?: number): Promise<PreparedSet> {
  const dir = preparedDir ?? defaultPreparedDir(dataset);
  if (existsSync(join(dir, 'stats.json'))) {
    const set = await readPrepared(dir);
    if (set.dataset !== dataset) throw rtsError('INVALID_INPUT', `${dir} holds the prepared ${set.dataset} set, not ${dataset}`);
    return set;
  }
  print(`no prepared set in ${dir}: preparing ${dataset} from the shipped data`);
  return runPrepare({ dataset, out: preparedDir === undefined ? false : dir, print, ...(seed === undefined ? {} : { seed }) });
}
