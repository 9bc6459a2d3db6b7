/**
 * What a faq-matcher model folder holds, shared by the training that writes it and the
 * serving that reads it: the kind's name, config.json's options, each version's faqs.json.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { rtsError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/parse.js';
import { listVersions } from '../../core/registry.js';
import { DATASET_NAMES, type DatasetName, datasetPresets } from './data/datasets.js';

export const FAQ_MATCHER_KIND = 'faq-matcher';

/** `options` of a faq-matcher's config.json. */
export const faqMatcherOptionsSchema = z
  .object({
    /** FAQs returned by default (1…10,000; more than the FAQ count = all). Default 5. */
    topK: z.number().int().min(1).max(10_000).default(5),
    /** Shipped dataset a missing version 1 is trained from (`faq` or `banking77`). */
    dataset: z.enum(DATASET_NAMES).optional(),
  })
  .strict();
export type FaqMatcherOptions = z.infer<typeof faqMatcherOptionsSchema>;

/** One entry of a version's faqs.json, in class-index order. */
export const faqEntrySchema = z
  .object({
    id: z.union([z.string(), z.number()]),
    answerId: z.union([z.string(), z.number()]),
    question: z.string(),
    answer: z.string(),
  })
  .strict();
export type FaqEntry = z.infer<typeof faqEntrySchema>;

export function parseMatcherOptions(options: unknown, name: string): FaqMatcherOptions {
  return parseOrThrow(faqMatcherOptionsSchema, options ?? {}, 'MODEL_LOAD_FAILED', `model "${name}": invalid options`);
}

/** Read and check a version's faqs.json. */
export async function readFaqsJson(path: string): Promise<FaqEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw rtsError('MODEL_LOAD_FAILED', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw rtsError('CORRUPT_MODEL', `${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseOrThrow(z.array(faqEntrySchema).min(1), parsed, 'CORRUPT_MODEL', path);
}

/** Highest numbered version folder of a model, or undefined. */
export async function latestVersion(modelDir: string): Promise<string | undefined> {
  return (await listVersions(modelDir)).at(-1);
}

/** Default config.json of a faq-matcher model folder. */
export function defaultModelConfig(dataset: DatasetName): Record<string, unknown> {
  return {
    kind: FAQ_MATCHER_KIND,
    description: datasetPresets[dataset].description,
    options: { topK: 5, dataset },
  };
}
