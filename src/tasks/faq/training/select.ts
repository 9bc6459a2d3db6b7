/**
 * Model selection on the validation split carved from the training duplicates (the test
 * split is never looked at here): fit each candidate recipe on the rest of the training
 * questions, score the validation questions, and tabulate Accuracy@1/2/3 and Mean Rank.
 * The cosine baseline is measured on the same validation questions for reference.
 */

import type { PreparedSet } from '../data/types.js';
import { CosineBaseline } from './baseline.js';
import { type FitJob, type FitResult, fitPipelineInWorker } from './fit.js';
import { type RankMetrics, rankMetrics, ranksOf } from './metrics.js';
import type { MatcherRecipe } from './pipelines.js';
import { classIndex, trainingTexts, validationSplit } from './training-data.js';

export interface Candidate {
  name: string;
  recipe: MatcherRecipe;
}

export interface SelectionRow {
  name: string;
  metrics: RankMetrics;
  fitSeconds: number;
  iterations: number;
  converged: boolean;
  features: number;
  /** Median time to score one question, ms (first split's fit). */
  scoreMs: number | null;
}

export interface SelectOptions {
  seed?: number;
  /**
   * Validation splits to average over (default 1). Split r uses seed `seed + r`; the ranks
   * of all splits are pooled. Small sets (the travel set validates on 64 questions, one
   * question = 1.6 points) need several to tell candidates apart.
   */
  repeats?: number;
  /** Fits run at the same time (default 2: one per core of the target machine). */
  concurrency?: number;
  print?: (line: string) => void;
}

export async function selectModels(set: PreparedSet, candidates: readonly Candidate[], options: SelectOptions = {}): Promise<SelectionRow[]> {
  const print = options.print ?? (() => {});
  const seed = options.seed ?? set.stats.params.seed;
  const repeats = Math.max(1, options.repeats ?? 1);
  const splits = Array.from({ length: repeats }, (_v, r) => validationSplit(set.train, seed + r));
  const classOf = classIndex(set);
  const K = set.originals.length;
  const tasks = candidates.flatMap((c, ci) => splits.map((s, si) => ({ c, ci, s, si })));
  const results: { fit: FitResult; ranks: number[] }[][] = candidates.map(() => []);
  const rows: SelectionRow[] = new Array(candidates.length);
  let next = 0;

  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const { c, ci, s } = tasks[next++]!;
      const evalTexts = s.validation.map((q) => q.text);
      const job: FitJob = {
        options: c.recipe.pipeline,
        nClasses: K,
        ...trainingTexts(set, s.fit, c.recipe.addFaqText),
        evalTexts,
        latencyTexts: evalTexts.slice(0, 100),
      };
      const fit = await fitPipelineInWorker(job);
      const truth = s.validation.map((q) => classOf.get(q.answerId)!);
      results[ci]!.push({ fit, ranks: ranksOf(fit.evalProba!, K, truth) });
      if (results[ci]!.length === repeats) {
        const fits = results[ci]!.map((r) => r.fit);
        const mean = (f: (x: FitResult) => number): number => fits.reduce((a, x) => a + f(x), 0) / fits.length;
        rows[ci] = {
          name: c.name,
          metrics: rankMetrics(results[ci]!.flatMap((r) => r.ranks)),
          fitSeconds: mean((x) => x.fitMs) / 1000,
          iterations: Math.round(mean((x) => x.nIter)),
          converged: fits.every((x) => x.converged),
          features: Math.round(mean((x) => x.nFeatures)),
          scoreMs: fits[0]!.latency?.medianMs ?? null,
        };
        print(formatRow(rows[ci]!));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return rows;
}

/** The cosine baseline on the validation split (FAQ texts only; nothing learnt from duplicates). */
/**
 * The cosine baseline on the validation split(s). `idf: 'faqs'` learns vocabulary and IDF
 * from the FAQ texts alone; `'faqs+questions'` from the FAQ texts and the (unlabelled)
 * training questions of the split.
 */
export function baselineOnValidation(set: PreparedSet, repeats = 1, idf: 'faqs' | 'faqs+questions' = 'faqs', seed = set.stats.params.seed): RankMetrics {
  const faqTexts = set.originals.map((o) => o.text);
  const classOf = classIndex(set);
  const ranks = Array.from({ length: repeats }, (_v, r) => validationSplit(set.train, seed + r)).flatMap(({ fit, validation }) => {
    const b = new CosineBaseline(faqTexts, {}, idf === 'faqs' ? undefined : [...faqTexts, ...fit.map((q) => q.text)]);
    return ranksOf(
      b.scores(validation.map((q) => q.text)),
      set.originals.length,
      validation.map((q) => classOf.get(q.answerId)!),
    );
  });
  return rankMetrics(ranks);
}

const pc = (x: number): string => (100 * x).toFixed(2);

export function formatRow(r: SelectionRow): string {
  const m = r.metrics;
  return (
    `| ${r.name} | ${pc(m.accuracyAt1)} | ${pc(m.accuracyAt2)} | ${pc(m.accuracyAt3)} | ${m.meanRank.toFixed(3)} | ` +
    `${r.features} | ${r.fitSeconds.toFixed(1)} s (${r.iterations} it${r.converged ? '' : ', not converged'}) | ${r.scoreMs === null ? '–' : r.scoreMs.toFixed(3)} |`
  );
}

export const TABLE_HEADER = ['| candidate | Acc@1 % | Acc@2 % | Acc@3 % | Mean Rank | features | fit | ms / question |', '|---|---|---|---|---|---|---|---|'];
