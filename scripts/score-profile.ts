/**
 * Where a question's scoring time goes, in CPU time (process.cpuUsage, so other jobs on a
 * shared machine disturb it less than wall time): the TF-IDF features, the classifier, the
 * whole pipeline, over the first 1,000 duplicate questions of a shipped data set.
 * `npx tsx scripts/score-profile.ts [models/banking77/1/pipeline.bin] [rounds] [banking77|faq]`
 * (the faq model: `models/faq/1/pipeline.bin 5 faq`, questions from data/travel-se-dups).
 */

import { isDatasetName } from '../src/tasks/faq/data/datasets.js';
import { loadLabelledSet } from '../src/tasks/faq/data/load-banking77.js';
import { loadTsvSet } from '../src/tasks/faq/data/load-tsv-set.js';
import { defaultInput } from '../src/tasks/faq/data/paths.js';
import { loadPipeline } from '../src/text/serialize.js';

const path = process.argv[2] ?? 'models/banking77/1/pipeline.bin';
const rounds = Number(process.argv[3] ?? 5);
const dataset = process.argv[4] ?? 'banking77';
if (!isDatasetName(dataset)) throw new Error(`unknown data set ${dataset}`);
const pipeline = await loadPipeline(path);
const { input } = dataset === 'faq' ? await loadTsvSet(defaultInput('faq')) : await loadLabelledSet(defaultInput('banking77'));
const questions = input.duplicates.slice(0, 1000).map((d) => d.text);

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function perQuestion(fn: (q: string) => void): number {
  const t0 = cpuMicros();
  for (const q of questions) fn(q);
  return (cpuMicros() - t0) / questions.length;
}

const rows = questions.map((q) => pipeline.transform([q]));
for (let r = 0; r < rounds; r++) {
  const features = perQuestion((q) => pipeline.transform([q]));
  let _i = 0;
  const t0 = cpuMicros();
  for (const x of rows) {
    pipeline.classifier.predictProba(x);
    _i++;
  }
  const classifier = (cpuMicros() - t0) / rows.length;
  const whole = perQuestion((q) => pipeline.predictProba([q]));
  console.log(`round ${r}: features ${features.toFixed(1)} µs, classifier ${classifier.toFixed(1)} µs, whole ${whole.toFixed(1)} µs (CPU per question)`);
}
