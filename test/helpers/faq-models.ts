/**
 * A small but real trained FAQ model for tests: the first 8 BANKING77 intents (shipped
 * data), 24 customer questions each, a word-unigram TF-IDF + logistic regression fitted
 * in-process (well under a second), written as a model repository folder:
 * `<dir>/<name>/config.json` and `<dir>/<name>/1/{pipeline.bin,faqs.json,training.json}`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { defaultRuntimeSettings } from '../../src/core/model.js';
import { type ModelConfig, modelConfigSchema } from '../../src/core/model-config.js';
import { nullObserver } from '../../src/core/observer.js';
import { loadLabelledSet } from '../../src/tasks/faq/data/load-banking77.js';
import { defaultInput } from '../../src/tasks/faq/data/paths.js';
import { type FaqMatcher, faqMatcherKind } from '../../src/tasks/faq/matcher.js';
import { FAQ_MATCHER_KIND } from '../../src/tasks/faq/model-files.js';
import { savePipeline, TextPipeline } from '../../src/text/index.js';

export const TEST_FAQ_COUNT = 8;
const QUESTIONS_PER_FAQ = 24;

export interface FaqRepoOptions {
  /** Model folder name (default `faq`). */
  name?: string;
  /** BANKING77 intents to use instead of the first 8 (e.g. one with a long name, for layout tests). */
  ids?: string[];
  /** Answers that start with their question, like the travel set's (whose "answers" are the original posts). */
  answersRepeatQuestion?: boolean;
}

export async function makeFaqRepo(dir: string, options: FaqRepoOptions = {}): Promise<void> {
  const name = options.name ?? 'faq';
  const { input } = await loadLabelledSet(defaultInput('banking77'));
  const faqs = options.ids ? options.ids.map((id) => input.originals.find((f) => f.id === id) ?? missing(id)) : input.originals.slice(0, TEST_FAQ_COUNT);
  const classOf = new Map(faqs.map((f, i) => [f.answerId, i]));
  const taken = new Map<unknown, number>();
  const texts: string[] = [];
  const labels: number[] = [];
  for (const q of input.duplicates) {
    const c = classOf.get(q.answerId);
    if (c === undefined || (taken.get(c) ?? 0) >= QUESTIONS_PER_FAQ) continue;
    taken.set(c, (taken.get(c) ?? 0) + 1);
    texts.push(q.text);
    labels.push(c);
  }
  faqs.forEach((f, i) => {
    texts.push(f.text);
    labels.push(i);
  });

  const pipeline = new TextPipeline({ features: [{ ngramRange: [1, 2], sublinearTf: true }], classifier: { C: 10, maxIter: 200 } });
  pipeline.fit(texts, Int32Array.from(labels), { nClasses: faqs.length });

  const modelDir = join(dir, name);
  const versionDir = join(modelDir, '1');
  await mkdir(versionDir, { recursive: true });
  await writeFile(
    join(modelDir, 'config.json'),
    JSON.stringify(
      {
        kind: 'faq-matcher',
        description: `test FAQ model: ${faqs.length} BANKING77 intents`,
        options: { topK: 3, dataset: 'banking77' },
      },
      null,
      2,
    ),
  );
  await savePipeline(join(versionDir, 'pipeline.bin'), pipeline);
  await writeFile(
    join(versionDir, 'faqs.json'),
    JSON.stringify(
      faqs.map((f) => ({
        id: f.id,
        answerId: f.answerId,
        question: f.question,
        answer: options.answersRepeatQuestion ? `${f.question} ${f.answer}` : f.answer,
      })),
      null,
      2,
    ),
  );
  await writeFile(join(versionDir, 'training.json'), JSON.stringify({ dataset: 'banking77', examples: texts.length, faqs: faqs.length }));
}

function missing(id: string): never {
  throw new Error(`makeFaqRepo: no BANKING77 intent "${id}"`);
}

/** Load version `version` of the FAQ matcher `<modelsDir>/<name>` as the server would (config from its folder unless given). */
export async function loadFaqVersion(modelsDir: string, name: string, version: string, config?: ModelConfig): Promise<FaqMatcher> {
  const modelDir = join(modelsDir, name);
  return (await faqMatcherKind.load({
    name,
    version,
    modelDir,
    versionDir: join(modelDir, version),
    config: config ?? modelConfigSchema.parse({ kind: FAQ_MATCHER_KIND }),
    logger: silentLogger,
    observer: nullObserver,
    settings: defaultRuntimeSettings,
  })) as FaqMatcher;
}
