import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/core/logger.js';
import { modelConfigSchema } from '../../../../src/core/model-config.js';
import { runPrepare } from '../../../../src/tasks/faq/data/prepare.js';
import { faqMatcherKind } from '../../../../src/tasks/faq/matcher.js';
import { runEvaluate } from '../../../../src/tasks/faq/training/evaluate.js';
import type { MatcherRecipe } from '../../../../src/tasks/faq/training/pipelines.js';
import { runTrain } from '../../../../src/tasks/faq/training/train.js';
import { loadFaqVersion } from '../../../helpers/faq-models.js';

const cheap: MatcherRecipe = { pipeline: { features: [{}], classifier: { C: 10, maxIter: 100 } }, addFaqText: true };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rts-faq-train-'));
  // A small labelled set: 4 FAQs, 15 questions each, with distinct vocabulary per FAQ.
  const topics = [
    ['card', 'arrive', 'delivery'],
    ['pin', 'blocked', 'locked'],
    ['refund', 'merchant', 'money back'],
    ['exchange', 'rate', 'currency'],
  ];
  await writeFile(join(root, 'faqs.json'), JSON.stringify(topics.map((t, i) => ({ id: `faq_${i}`, question: `About ${t[0]}?`, answer: `Answer ${i}` }))));
  const rows = ['text,category'];
  topics.forEach((t, i) => {
    for (let k = 0; k < 15; k++) rows.push(`"my ${t[k % 3]} question ${k}, ${t[(k + 1) % 3]}",faq_${i}`);
  });
  await writeFile(join(root, 'train.csv'), rows.join('\n'));
  await runPrepare({ dataset: 'banking77', input: root, out: join(root, 'prepared') });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runTrain / runEvaluate', () => {
  it('fits in worker threads, writes a version folder with metrics, and the matcher loads it', async () => {
    const lines: string[] = [];
    const models = join(root, 'models');
    const r = await runTrain({
      dataset: 'banking77',
      name: 'tiny',
      modelsDir: models,
      preparedDir: join(root, 'prepared'),
      recipe: cheap,
      print: (l) => lines.push(l),
    });
    expect(r.version).toBe('1');
    for (const f of ['pipeline.bin', 'faqs.json', 'training.json', 'metrics.json']) expect(existsSync(join(models, 'tiny', '1', f))).toBe(true);
    expect(JSON.parse(await readFile(join(models, 'tiny', 'config.json'), 'utf8'))).toMatchObject({ kind: 'faq-matcher', options: { dataset: 'banking77' } });
    const training = JSON.parse(await readFile(join(models, 'tiny', '1', 'training.json'), 'utf8'));
    expect(training).toMatchObject({ dataset: 'banking77', seed: 42, data: { faqs: 4, trainQuestions: 48, testQuestions: 12, trainingExamples: 52 } });
    expect(training.validation.count).toBe(8); // 4 × max(1, floor(12 × 0.2))
    expect(r.report.metrics.accuracyAt1).toBe(1);
    expect(lines.some((l) => l.startsWith('test:'))).toBe(true);
    expect(lines.some((l) => l.includes('[final]'))).toBe(true);

    // Next version number, and evaluation of the latest version.
    const r2 = await runTrain({ dataset: 'banking77', name: 'tiny', modelsDir: models, preparedDir: join(root, 'prepared'), recipe: cheap, validate: false });
    expect(r2.version).toBe('2');
    const report = await runEvaluate({ dataset: 'banking77', name: 'tiny', modelsDir: models, preparedDir: join(root, 'prepared') });
    expect(report).toMatchObject({ version: '2', split: 'test', metrics: { count: 12, accuracyAt1: 1, meanRank: 1 } });
    expect(report.baseline.count).toBe(12);
    expect(JSON.parse(await readFile(join(models, 'tiny', '2', 'metrics.json'), 'utf8')).metrics.count).toBe(12);
    const val = await runEvaluate({ dataset: 'banking77', name: 'tiny', modelsDir: models, preparedDir: join(root, 'prepared'), split: 'validation' });
    expect(val.metrics.count).toBe(8);

    const model = await loadFaqVersion(models, 'tiny', '2');
    expect((await model.match(['my pin is locked'], { topK: 1 }))[0]![0]!.id).toBe('faq_1');
    expect(model.defaultTopK).toBe(5);
    await model.close();

    // An existing version is never overwritten.
    await expect(
      runTrain({ dataset: 'banking77', name: 'tiny', modelsDir: models, preparedDir: join(root, 'prepared'), recipe: cheap, version: '1' }),
    ).rejects.toMatchObject({ code: 'RTS_ERR_INVALID_INPUT' });
  });

  it('trains an MLP recipe in the worker, reports epochs, and serves it', async () => {
    const lines: string[] = [];
    const models = join(root, 'models-mlp');
    const mlp: MatcherRecipe = {
      pipeline: { features: [{}, { analyzer: 'char_wb', ngramRange: [2, 4] }], classifier: { type: 'mlp', hiddenSize: 16, epochs: 30, learningRate: 0.01 } },
      addFaqText: true,
    };
    const r = await runTrain({
      dataset: 'banking77',
      name: 'net',
      modelsDir: models,
      preparedDir: join(root, 'prepared'),
      recipe: mlp,
      print: (l) => lines.push(l),
    });
    expect(r.training.fit).toMatchObject({ iterations: 30, converged: true });
    expect(lines).toContainEqual(expect.stringMatching(/^\[final\] epoch 30\/30: loss \d[\d.]*, elapsed \d+:\d\d, ETA 0:00$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\[final\] epoch 3\/30: loss \d[\d.]*, elapsed \d+:\d\d, ETA \d+:\d\d$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\[final\] fitted after 30 epochs/));
    expect(r.report.metrics.accuracyAt1).toBe(1);
    const model = await loadFaqVersion(models, 'net', '1');
    expect((await model.match(['my refund from the merchant'], { topK: 1 }))[0]![0]!.id).toBe('faq_2');
    await model.close();
  });

  it('builds a missing default model (faq) from the shipped data, without a validation fit', async () => {
    const models = join(root, 'models-built');
    const modelDir = join(models, 'faq');
    await faqMatcherKind.build!({ name: 'faq', modelDir, config: modelConfigSchema.parse({ kind: 'faq-matcher' }), logger: silentLogger });
    const training = JSON.parse(await readFile(join(modelDir, '1', 'training.json'), 'utf8'));
    expect(training).toMatchObject({ dataset: 'faq', version: '1', validation: null, validationFit: null });
    // Served on every labelled question; the test figures come from the fit without the test split.
    expect(training.data).toMatchObject({ fitOn: 'all', trainQuestions: 350, testQuestions: 80, trainingExamples: 350 + 80 + 24 });
    expect(training.heldOutFit.iterations).toBeGreaterThan(0);
    expect(training.test.count).toBe(80);
  }, 60_000);

  it('with fitOn all, fits the served pipeline on test questions too and evaluate refuses to score it there', async () => {
    const models = join(root, 'models-all');
    const r = await runTrain({
      dataset: 'banking77',
      name: 'tiny',
      modelsDir: models,
      preparedDir: join(root, 'prepared'),
      recipe: cheap,
      validate: false,
      fitOn: 'all',
      inWorker: false,
    });
    expect(r.training.data).toMatchObject({ fitOn: 'all', trainQuestions: 48, testQuestions: 12, trainingExamples: 64 });
    expect(r.training.heldOutFit).toBeDefined();
    expect(r.report.metrics.count).toBe(12); // from the held-out fit
    const err = await runEvaluate({ dataset: 'banking77', name: 'tiny', modelsDir: models, preparedDir: join(root, 'prepared') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RTS_ERR_INVALID_INPUT' });
    expect((err as Error).message).toContain('fitted on every labelled question');
  });
});
