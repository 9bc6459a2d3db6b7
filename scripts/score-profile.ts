/**
 * Where a banking77 question's scoring time goes, in CPU time (process.cpuUsage, so other
 * jobs on a shared machine disturb it less than wall time): the TF-IDF features, the network,
 * the whole pipeline. `npx tsx scripts/score-profile.ts [models/banking77/1/pipeline.bin]`
 */

import { loadLabelledSet } from '../src/tasks/faq/data/load-banking77.js';
import { loadPipeline } from '../src/text/serialize.js';

const path = process.argv[2] ?? 'models/banking77/1/pipeline.bin';
const rounds = Number(process.argv[3] ?? 5);
const pipeline = await loadPipeline(path);
const { input } = await loadLabelledSet('data/banking77');
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
