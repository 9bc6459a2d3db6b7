/**
 * Model selection for the FAQ matchers, on the validation split carved from the training
 * duplicates (never the test split). Prints a Markdown table (docs/faq-models.md).
 *
 *   npx tsx scripts/faq-model-selection.ts --dataset banking77 [--only 1,4,12-18] [--concurrency 2] [--repeats 5]
 */
import { parseArgs } from 'node:util';
import { runPrepare } from '../src/tasks/faq/data/prepare.js';
import { formatMetrics } from '../src/tasks/faq/training/metrics.js';
import type { MatcherRecipe } from '../src/tasks/faq/training/pipelines.js';
import { baselineOnValidation, type Candidate, selectModels, TABLE_HEADER } from '../src/tasks/faq/training/select.js';
import type { FeatureOptions, MlpOptions, TextClassifierOptions } from '../src/text/index.js';

const WORD1: FeatureOptions = {};
const WORD12: FeatureOptions = { ngramRange: [1, 2], sublinearTf: true };
const CHAR25: FeatureOptions = { analyzer: 'char_wb', ngramRange: [2, 5], sublinearTf: true };

const recipe = (features: FeatureOptions[], classifier: TextClassifierOptions, addFaqText = true): MatcherRecipe => ({
  pipeline: { features, classifier: classifier.type === 'mlp' ? classifier : { maxIter: 300, ...classifier } },
  addFaqText,
});
const mlp = (features: FeatureOptions[], o: MlpOptions = {}): MatcherRecipe => recipe(features, { type: 'mlp', ...o });
const MIN_DF2 = (f: FeatureOptions): FeatureOptions => ({ ...f, minDf: 2 });
const UNSCALED = { confidence: 0 };

const candidates: Candidate[] = [
  { name: 'word1 C=1 (sklearn defaults)', recipe: recipe([WORD1], { C: 1 }) },
  { name: 'word1 C=10', recipe: recipe([WORD1], { C: 10 }) },
  { name: 'word12 sublinear C=10', recipe: recipe([WORD12], { C: 10 }) },
  { name: 'char_wb25 sublinear C=10', recipe: recipe([CHAR25], { C: 10 }) },
  { name: 'word12+char_wb25 C=3', recipe: recipe([WORD12, CHAR25], { C: 3 }) },
  { name: 'word12+char_wb25 C=10', recipe: recipe([WORD12, CHAR25], { C: 10 }) },
  { name: 'word12+char_wb25 C=30', recipe: recipe([WORD12, CHAR25], { C: 30 }) },
  { name: 'word12+char_wb25 C=10, no FAQ text', recipe: recipe([WORD12, CHAR25], { C: 10 }, false) },
  { name: 'word12+char_wb25 C=10, balanced', recipe: recipe([WORD12, CHAR25], { C: 10, classWeight: 'balanced' }) },
  {
    name: 'word12+char_wb25 C=10, minDf=2',
    recipe: recipe(
      [
        { ...WORD12, minDf: 2 },
        { ...CHAR25, minDf: 2 },
      ],
      { C: 10 },
    ),
  },
  { name: 'word12+char_wb25 C=10, raw tf', recipe: recipe([{ ngramRange: [1, 2] }, { analyzer: 'char_wb', ngramRange: [2, 5] }], { C: 10 }) },
  { name: 'word1+char_wb25 C=10', recipe: recipe([WORD1, CHAR25], { C: 10 }) },
  { name: 'word1+char_wb25 C=30', recipe: recipe([WORD1, CHAR25], { C: 30 }) },
  { name: 'word1+char_wb14 C=10', recipe: recipe([WORD1, { analyzer: 'char_wb', ngramRange: [1, 4], sublinearTf: true }], { C: 10 }) },
  { name: 'word1+char_wb36 C=10', recipe: recipe([WORD1, { analyzer: 'char_wb', ngramRange: [3, 6], sublinearTf: true }], { C: 10 }) },
  { name: 'word12+char25 (across words) C=10', recipe: recipe([WORD12, { analyzer: 'char', ngramRange: [2, 5], sublinearTf: true }], { C: 10 }) },
  { name: 'word13+char_wb25 C=10', recipe: recipe([{ ngramRange: [1, 3], sublinearTf: true }, CHAR25], { C: 10 }) },
  { name: 'word12 ×2 + char_wb25 C=10', recipe: recipe([{ ...WORD12, weight: 2 }, CHAR25], { C: 10 }) },
  // Balanced class weights, which the skewed travel set (largest class 18 %) rewards.
  { name: 'word1 C=10, balanced', recipe: recipe([WORD1], { C: 10, classWeight: 'balanced' }) },
  { name: 'char_wb25 C=10, balanced', recipe: recipe([CHAR25], { C: 10, classWeight: 'balanced' }) },
  { name: 'word1+char_wb25 C=10, balanced', recipe: recipe([WORD1, CHAR25], { C: 10, classWeight: 'balanced' }) },
  { name: 'word1+char_wb25 C=30, balanced', recipe: recipe([WORD1, CHAR25], { C: 30, classWeight: 'balanced' }) },
  { name: 'word12+char_wb25 C=30, balanced', recipe: recipe([WORD12, CHAR25], { C: 30, classWeight: 'balanced' }) },
  {
    name: 'word12+char_wb25 C=10, balanced, minDf=2',
    recipe: recipe(
      [
        { ...WORD12, minDf: 2 },
        { ...CHAR25, minDf: 2 },
      ],
      { C: 10, classWeight: 'balanced' },
    ),
  },
  { name: 'word12+char_wb25 C=10, balanced, no FAQ text', recipe: recipe([WORD12, CHAR25], { C: 10, classWeight: 'balanced' }, false) },
  { name: 'word12+char_wb25 C=3, balanced', recipe: recipe([WORD12, CHAR25], { C: 3, classWeight: 'balanced' }) },
  // One-hidden-layer MLP (ReLU, dropout, Adam; src/text/mlp.ts). Defaults: 512 units, dropout 0.5, 8 epochs, batch 32.
  { name: 'MLP word12+char_wb25', recipe: mlp([WORD12, CHAR25]) },
  { name: 'MLP word12+char_wb25, min_df=2', recipe: mlp([WORD12, CHAR25].map(MIN_DF2)) },
  { name: 'MLP word12+char_wb25, min_df=2, 256 units', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { hiddenSize: 256 }) },
  { name: 'MLP word12+char_wb25, min_df=2, 1024 units, dropout 0.6', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { hiddenSize: 1024, dropout: 0.6 }) },
  { name: 'MLP word12+char_wb25, min_df=2, 12 epochs', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { epochs: 12 }) },
  { name: 'MLP word12+char_wb25, min_df=2, 5 epochs', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { epochs: 5 }) },
  { name: 'MLP word12+char_wb25, min_df=2, seed 1', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { seed: 1 }) },
  { name: 'MLP word12+char_wb25, min_df=2, batch 64, lr 0.002', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { batchSize: 64, learningRate: 0.002 }) },
  { name: 'MLP word1+char_wb25, balanced', recipe: mlp([WORD1, CHAR25], { classWeight: 'balanced' }) },
  { name: 'MLP word1+char_wb25, balanced, 20 epochs', recipe: mlp([WORD1, CHAR25], { classWeight: 'balanced', epochs: 20 }) },
  // The same network with a nearest-neighbour vote in its hidden layer (src/text/neighbours.ts).
  // Defaults k=5, temperature 0.01, weight 0.8, 3 candidate classes; these rows were measured
  // before the vote's share was scaled by the network's confidence, hence confidence 0.
  { name: 'MLP word12+char_wb25, min_df=2, neighbours', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { neighbours: UNSCALED }) },
  {
    name: 'MLP word12+char_wb25, min_df=2, neighbours k=5 t=0.02 w=0.8 C=10',
    recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { neighbours: { ...UNSCALED, temperature: 0.02, candidates: 10 } }),
  },
  {
    name: 'MLP word12+char_wb25, min_df=2, neighbours k=10 t=0.01 w=0.5 C=10',
    recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { neighbours: { ...UNSCALED, k: 10, weight: 0.5, candidates: 10 } }),
  },
  { name: 'MLP word12+char_wb25, min_df=2, 12 epochs, neighbours', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { epochs: 12, neighbours: UNSCALED }) },
  { name: 'MLP word12+char_wb25, min_df=2, dropout 0.3, neighbours', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { dropout: 0.3, neighbours: UNSCALED }) },
  { name: 'MLP word1+char_wb25, balanced, neighbours', recipe: mlp([WORD1, CHAR25], { classWeight: 'balanced', neighbours: UNSCALED }) },
  {
    name: 'MLP word12+char_wb 2–6, min_df=2, neighbours',
    recipe: mlp([WORD12, { ...CHAR25, ngramRange: [2, 6] } satisfies FeatureOptions].map(MIN_DF2), { neighbours: UNSCALED }),
  },
  // The vote's share × (the network's probability of the 3 candidate classes)^confidence.
  { name: 'MLP word12+char_wb25, min_df=2, neighbours, confidence 1', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { neighbours: { confidence: 1 } }) },
  { name: 'MLP word12+char_wb25, min_df=2, neighbours, confidence 2', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { neighbours: { confidence: 2 } }) },
  { name: 'MLP word12+char_wb25, min_df=2, neighbours, confidence 4', recipe: mlp([WORD12, CHAR25].map(MIN_DF2), { neighbours: { confidence: 4 } }) },
];

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'banking77' },
    /** Candidate numbers (1-based) to run, e.g. `1,4,12-18`. */
    only: { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    repeats: { type: 'string' },
  },
});
const dataset = values.dataset as 'faq' | 'banking77';
const picked = new Set<number>();
for (const part of values.only?.split(',') ?? []) {
  const [a, b] = part.split('-').map(Number);
  for (let i = a!; i <= (b ?? a!); i++) picked.add(i);
}
const chosen = picked.size ? candidates.filter((_c, i) => picked.has(i + 1)) : candidates;

// The travel set validates on 64 questions per split: pool 5 splits. BANKING77's 1,557 are enough.
const repeats = Number(values.repeats ?? (dataset === 'faq' ? 5 : 1));
const set = await runPrepare({ dataset, out: false });
console.log(`${dataset}: ${set.originals.length} FAQs, ${set.train.length} training questions (validation carved from them)`);
console.log(`validation splits pooled: ${repeats}`);
console.log(`cosine baseline, IDF from the FAQs (validation): ${formatMetrics(baselineOnValidation(set, repeats, 'faqs'))}`);
console.log(`cosine baseline, IDF from FAQs + training questions (validation): ${formatMetrics(baselineOnValidation(set, repeats, 'faqs+questions'))}`);
for (const line of TABLE_HEADER) console.log(line);
const started = performance.now();
await selectModels(set, chosen, { concurrency: Number(values.concurrency), repeats, print: console.log });
console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
