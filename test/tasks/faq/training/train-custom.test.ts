import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelConfigSchema } from '../../../../src/core/model-config.js';
import type { MatcherRecipe } from '../../../../src/tasks/faq/training/pipelines.js';
import { runTrain } from '../../../../src/tasks/faq/training/train.js';
import { loadFaqVersion } from '../../../helpers/faq-models.js';

/** Training on a user's own files: the preset's pipeline, split and evaluation, a served model. */
const cheap: MatcherRecipe = { pipeline: { features: [{}], classifier: { C: 10, maxIter: 100 } }, addFaqText: true };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rts-train-custom-'));
  const topics = [
    ['parcel', 'tracking', 'courier'],
    ['invoice', 'vat', 'receipt'],
    ['password', 'login', 'account'],
  ];
  await writeFile(
    join(root, 'faqs.json'),
    JSON.stringify(topics.map((t, i) => ({ id: ['delivery', 'billing', 'access'][i], question: `Question about ${t[0]}?`, answer: `Answer about ${t[1]}.` }))),
  );
  const rows = ['text,label'];
  topics.forEach((t, i) => {
    for (let k = 0; k < 12; k++) rows.push(`"where is my ${t[k % 3]} ${k}, ${t[(k + 1) % 3]}?",${['delivery', 'billing', 'access'][i]}`);
  });
  await writeFile(join(root, 'questions.csv'), `${rows.join('\n')}\n`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runTrain on your own data', () => {
  it('trains, evaluates on a held-out split and writes a model the matcher serves', async () => {
    const lines: string[] = [];
    const models = join(root, 'models');
    const r = await runTrain({
      dataset: 'banking77',
      data: { questions: join(root, 'questions.csv'), faqs: join(root, 'faqs.json') },
      name: 'support',
      modelsDir: models,
      recipe: cheap,
      inWorker: false,
      print: (l) => lines.push(l),
    });
    expect(r.training).toMatchObject({
      dataset: 'banking77',
      source: `${join(root, 'questions.csv')} + ${join(root, 'faqs.json')}`,
      data: { faqs: 3, trainQuestions: 30, testQuestions: 6 },
    }); // 21 % of 12 per FAQ held out: 2
    expect(r.report.metrics.count).toBe(6);
    expect(r.report.metrics.accuracyAt1).toBeGreaterThan(0.5);
    expect(lines[0]).toMatch(/^preparing your data from /);
    expect(lines).toContainEqual(expect.stringMatching(/^training support version 1 on .*questions\.csv \+ .*faqs\.json \(banking77 preset\): 3 FAQs/));
    expect(lines).toContainEqual(expect.stringMatching(/^test: +Accuracy@1 = [\d.]+%, .*\(6 questions\)$/));

    const config = modelConfigSchema.parse(JSON.parse(await readFile(join(models, 'support', 'config.json'), 'utf8')));
    expect(config.options).toEqual({ topK: 5 }); // no shipped dataset named
    expect(config.description).toMatch(/trained on .*questions\.csv/);
    const model = await loadFaqVersion(models, 'support', '1', config);
    const [best] = await model.match(['I forgot my password and cannot login'], { topK: 1 });
    expect(best![0]).toMatchObject({ id: 'access', answer: 'Answer about login.' });
    await model.close();
  });

  it('reads the reference three-file TSV format from a folder (--format reference) with the faq preset', async () => {
    const dir = join(root, 'reference');
    await mkdir(dir);
    const topics = [
      ['visa', 'embassy', 'passport'],
      ['luggage', 'baggage', 'airline'],
      ['train', 'railway', 'ticket'],
    ];
    const long = (words: string[], k: number) =>
      `${words[k % 3]} question ${k}. <p>${Array.from({ length: 30 }, (_, j) => words[(j + k) % 3]).join(' ')} and some more words to pass the length filter</p>`;
    const orig = topics.map((t, i) => `${i + 1}\t${100 + i}\t${long(t, 0)}\t2020-01-01`);
    const dup = topics.flatMap((t, i) => Array.from({ length: 6 }, (_, k) => `${10 + i * 10 + k}\t${100 + i}\t${long(t, k + 1)}\t2020-01-02`));
    const ans = topics.map((t, i) => `${100 + i}\t<p>The answer about ${t[0]}.</p>`);
    await writeFile(join(dir, 'orig-q.tsv'), `${orig.join('\n')}\n`);
    await writeFile(join(dir, 'dup-q.tsv'), `${dup.join('\n')}\n`);
    await writeFile(join(dir, 'ans.tsv'), `${ans.join('\n')}\n`);
    const r = await runTrain({ dataset: 'faq', input: dir, name: 'travel', modelsDir: join(root, 'models'), recipe: cheap, inWorker: false });
    expect(r.training).toMatchObject({ dataset: 'faq', source: dir, data: { faqs: 3, trainQuestions: 15, testQuestions: 3 } });
    const faqs = JSON.parse(await readFile(join(r.versionDir, 'faqs.json'), 'utf8'));
    expect(faqs.map((f: { answer: string }) => f.answer)).toEqual(['The answer about visa.', 'The answer about luggage.', 'The answer about train.']);
  });

  it('refuses bad files before training', async () => {
    await writeFile(join(root, 'bad.csv'), 'text,label\nfine,delivery\n,billing\n');
    await expect(
      runTrain({
        dataset: 'banking77',
        data: { questions: join(root, 'bad.csv'), faqs: join(root, 'faqs.json') },
        name: 'bad',
        modelsDir: join(root, 'models'),
        recipe: cheap,
        inWorker: false,
      }),
    ).rejects.toThrow(/bad\.csv:3: empty text/);
  });
});
