/**
 * `rtscore evaluate <model>`: the reference's evaluation of a trained version on the
 * held-out test duplicates (or the validation split carved from training), next to the
 * cosine-similarity baseline on the same questions.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rtsError } from '../../../core/errors.js';
import { loadPipeline } from '../../../text/index.js';
import { datasetPresets } from '../data/datasets.js';
import { loadOrPrepare } from '../data/prepare.js';
import type { DatasetName, FaqId, LabelledQuestion, PreparedSet } from '../data/types.js';
import { type FaqEntry, latestVersion, readFaqsJson } from '../model-files.js';
import { CosineBaseline } from './baseline.js';
import { formatMetrics, type RankMetrics, rankMetrics, ranksOf } from './metrics.js';
import { classIndex, validationSplit } from './training-data.js';

export interface EvaluateOptions {
  dataset: DatasetName;
  /** Model repository (default `models`). */
  modelsDir?: string;
  /** Model name (default: the dataset's name). */
  name?: string;
  /** Version folder (default: the highest numbered one). */
  version?: string;
  /** Which questions: the held-out test split (default) or the validation split of training. */
  split?: 'test' | 'validation';
  /** Prepared set folder (default `work-data/<dataset>`; prepared in memory when missing). */
  preparedDir?: string;
  print?: (line: string) => void;
}

export interface EvaluationReport {
  dataset: DatasetName;
  model: string;
  version: string;
  split: 'test' | 'validation';
  /** The model's metrics (accuracies as shares in [0, 1]). */
  metrics: RankMetrics;
  /** The TF-IDF cosine baseline on the same questions. */
  baseline: RankMetrics;
  faqCount: number;
  evaluatedAt: string;
}

/** Ranks of the true FAQs given row-major scores (questions × FAQs). */
export function evaluateScores(
  scores: Float32Array,
  faqCount: number,
  questions: readonly LabelledQuestion[],
  classOf: ReadonlyMap<FaqId, number>,
): RankMetrics {
  const truth = questions.map((q) => {
    const c = classOf.get(q.answerId);
    if (c === undefined)
      throw rtsError('INVALID_INPUT', `question ${q.id} belongs to FAQ ${q.answerId}, which the model does not know (trained on other data?)`);
    return c;
  });
  return rankMetrics(ranksOf(scores, faqCount, truth));
}

/** Baseline metrics on `questions`, FAQs in `faqs` order (texts from the prepared set). */
export function baselineMetrics(set: PreparedSet, faqs: readonly FaqEntry[], questions: readonly LabelledQuestion[]): RankMetrics {
  const textOf = new Map(set.originals.map((o) => [o.answerId, o.text]));
  const baseline = new CosineBaseline(faqs.map((f) => textOf.get(f.answerId) ?? f.question.toLowerCase()));
  const classOf = classIndex({ originals: faqs });
  return evaluateScores(baseline.scores(questions.map((q) => q.text)), faqs.length, questions, classOf);
}

export async function runEvaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const print = options.print ?? (() => {});
  const name = options.name ?? options.dataset;
  const modelDir = resolve(options.modelsDir ?? 'models', name);
  const version = options.version ?? (await latestVersion(modelDir));
  if (!version) throw rtsError('MODEL_NOT_FOUND', `model "${name}" has no trained version in ${modelDir} (run train first)`);
  const versionDir = join(modelDir, version);
  if (!existsSync(versionDir)) throw rtsError('VERSION_NOT_FOUND', `model "${name}" has no version ${version} in ${modelDir}`);
  const split = options.split ?? 'test';

  const [pipeline, faqs, training] = await Promise.all([
    loadPipeline(join(versionDir, 'pipeline.bin')),
    readFaqsJson(join(versionDir, 'faqs.json')),
    readFile(join(versionDir, 'training.json'), 'utf8')
      .then((t) => JSON.parse(t) as { seed?: number; data?: { fitOn?: string } })
      .catch(() => ({ seed: undefined, data: undefined })),
  ]);
  if (training.data?.fitOn === 'all') {
    throw rtsError(
      'INVALID_INPUT',
      `${name} version ${version} was fitted on every labelled question, the ${split} split included, so scoring it there measures nothing; ` +
        `its test figures (from the same recipe fitted without the test questions) are in ${join(versionDir, 'metrics.json')}`,
    );
  }
  const set = await loadOrPrepare(options.dataset, options.preparedDir, print);
  const seed = training.seed ?? set.stats.params.seed ?? datasetPresets[options.dataset].prepare.seed;
  const questions = split === 'test' ? set.test : validationSplit(set.train, seed).validation;

  print(`evaluating ${name} version ${version} on the ${split} split: ${questions.length} questions, ${faqs.length} FAQs`);
  const classOf = classIndex({ originals: faqs });
  const metrics = evaluateScores(pipeline.predictProba(questions.map((q) => q.text)), faqs.length, questions, classOf);
  const baseline = baselineMetrics(set, faqs, questions);
  print(`model:    ${formatMetrics(metrics)}`);
  print(`baseline: ${formatMetrics(baseline)} (TF-IDF cosine similarity with the FAQ text)`);

  const report: EvaluationReport = {
    dataset: options.dataset,
    model: name,
    version,
    split,
    metrics,
    baseline,
    faqCount: faqs.length,
    evaluatedAt: new Date().toISOString(),
  };
  const file = join(versionDir, split === 'test' ? 'metrics.json' : 'metrics-validation.json');
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  print(`wrote ${file}`);
  return report;
}
