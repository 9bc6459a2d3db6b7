import { stratifiedSplit } from './split.js';
import { summarize } from './summary.js';
import type { FaqId, FaqOriginal, LabelledQuestion, PrepareParams, PrepareStats, StepCount } from './types.js';

/** Cleaned inputs of REFERENCE §1 steps 2–6. */
export interface FilterInput {
  originals: FaqOriginal[];
  duplicates: LabelledQuestion[];
  /** Answer id → readable answer. Only ids matter for the filtering. */
  answers: { id: FaqId; answer: string }[];
}

export interface FilterResult {
  originals: FaqOriginal[];
  train: LabelledQuestion[];
  test: LabelledQuestion[];
  steps: StepCount[];
  textLength: PrepareStats['textLength'];
  dupesPerOriginal: PrepareStats['dupesPerOriginal'];
  largestClass: PrepareStats['largestClass'];
}

function firstById<T extends { id: FaqId }>(rows: T[]): T[] {
  const seen = new Set<FaqId>();
  return rows.filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
}

function countBy<T>(rows: T[], key: (r: T) => FaqId): Map<FaqId, number> {
  const m = new Map<FaqId, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return m;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * REFERENCE §1 steps 2–6 on cleaned rows, printing the counts after every step and the
 * summaries the reference printed. Pure apart from `print`.
 */
export function filterAndSplit(input: FilterInput, params: PrepareParams, print: (line: string) => void): FilterResult {
  const steps: StepCount[] = [];
  let { originals, duplicates, answers } = input;
  const record = (step: string): void => {
    steps.push({ step, originals: originals.length, duplicates: duplicates.length, answers: answers.length });
    print(
      `${step.padEnd(58)} originals ${String(originals.length).padStart(6)}  duplicates ${String(duplicates.length).padStart(6)}  answers ${String(answers.length).padStart(6)}`,
    );
  };
  record('read and cleaned');

  // Step 2: empty texts, duplicates that are also originals, repeated ids.
  originals = originals.filter((o) => o.text.length > 0);
  duplicates = duplicates.filter((d) => d.text.length > 0);
  record('2. dropped rows with empty text');
  const originalIds = new Set(originals.map((o) => o.id));
  duplicates = duplicates.filter((d) => !originalIds.has(d.id));
  record('2. dropped duplicates whose id is also an original');
  originals = firstById(originals);
  duplicates = firstById(duplicates);
  answers = firstById(answers);
  // The answer id is the class label, so it must name one original only.
  const seenAnswer = new Set<FaqId>();
  originals = originals.filter((o) => !seenAnswer.has(o.answerId) && Boolean(seenAnswer.add(o.answerId)));
  record('2. dropped repeated ids (kept the first)');

  // Step 3: originals with an answer and with duplicates.
  const keepLinked = (): void => {
    const dupesOf = countBy(duplicates, (d) => d.answerId);
    originals = originals.filter((o) => dupesOf.has(o.answerId));
    const kept = new Set(originals.map((o) => o.answerId));
    duplicates = duplicates.filter((d) => kept.has(d.answerId));
    answers = answers.filter((a) => kept.has(a.id));
  };
  const answerIds = new Set(answers.map((a) => a.id));
  originals = originals.filter((o) => answerIds.has(o.answerId));
  keepLinked();
  record('3. kept originals with an answer and duplicates');

  // Step 4: minimum text length.
  originals = originals.filter((o) => o.text.length >= params.minText);
  duplicates = duplicates.filter((d) => d.text.length >= params.minText);
  keepLinked();
  record(`4. kept texts of length >= ${params.minText} (min_text)`);

  // Step 5: minimum number of duplicates per original.
  const dupesOf = countBy(duplicates, (d) => d.answerId);
  originals = originals.filter((o) => (dupesOf.get(o.answerId) ?? 0) >= params.minDupes);
  keepLinked();
  record(`5. kept originals with >= ${params.minDupes} duplicates (min_dupes)`);

  const textLength = {
    originals: summarize(originals.map((o) => o.text.length)),
    duplicates: summarize(duplicates.map((d) => d.text.length)),
  };
  const perOriginal = countBy(duplicates, (d) => d.answerId);
  const dupesPerOriginal = summarize(originals.map((o) => perOriginal.get(o.answerId) ?? 0));
  let largest: { answerId: FaqId; count: number } = { answerId: '', count: 0 };
  for (const o of originals) {
    const c = perOriginal.get(o.answerId) ?? 0;
    if (c > largest.count) largest = { answerId: o.answerId, count: c };
  }
  const largestClass = { ...largest, share: duplicates.length ? largest.count / duplicates.length : 0 };

  // Originals carry their answer from here on.
  const answerOf = new Map(answers.map((a) => [a.id, a.answer]));
  originals = originals.map((o) => ({ ...o, answer: answerOf.get(o.answerId) ?? o.answer }));

  // Step 6: stratified split.
  const { train, test } = stratifiedSplit(duplicates, (d) => d.answerId, { testSize: params.testSize, seed: params.seed });
  print(`6. split (test_size ${params.testSize}, seed ${params.seed}): train ${train.length}, test ${test.length}`);

  return { originals, train, test, steps, textLength, dupesPerOriginal, largestClass };
}

export { pct };
