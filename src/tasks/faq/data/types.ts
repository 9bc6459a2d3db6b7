import type { DatasetName, PrepareParams } from './datasets.js';
import type { RowProblem } from './read-lines.js';
import type { Summary } from './summary.js';

export type { DatasetName, PrepareParams } from './datasets.js';

/** Question ids are integers for Stack Exchange sets and intent names for labelled sets. */
export type FaqId = string | number;

/** A FAQ: an original question with its answer. `answerId` is the class label. */
export interface FaqOriginal {
  id: FaqId;
  answerId: FaqId;
  /** Cleaned text (what the models see). */
  text: string;
  /** Readable question for display (the title, or the FAQ question as written). */
  question: string;
  /** Readable answer for display. */
  answer: string;
}

/** A question labelled with the FAQ it duplicates (by `answerId`). */
export interface LabelledQuestion {
  id: FaqId;
  answerId: FaqId;
  text: string;
}

/** Counts after one preparation step. */
export interface StepCount {
  step: string;
  originals: number;
  duplicates: number;
  answers: number;
}

export interface PrepareStats {
  dataset: DatasetName;
  input: string;
  params: PrepareParams;
  /** Malformed rows that were skipped (at most the first 1,000 are listed). */
  problemCount: number;
  problems: RowProblem[];
  steps: StepCount[];
  textLength: { originals: Summary; duplicates: Summary };
  dupesPerOriginal: Summary;
  largestClass: { answerId: FaqId; count: number; share: number };
  split: { train: number; test: number };
}

/** The output of preparation: the FAQs (in class-index order) and the split questions. */
export interface PreparedSet {
  dataset: DatasetName;
  originals: FaqOriginal[];
  train: LabelledQuestion[];
  test: LabelledQuestion[];
  stats: PrepareStats;
}
