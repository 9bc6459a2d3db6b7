import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import type { ModelBuildContext, ModelKind } from '../core/model.js';
import { createWorker } from '../core/worker.js';
import { buildDefaultFaqModel } from '../tasks/faq/train.js';
import { faqMatcherKind } from '../tasks/faq/matcher.js';
import { imageClassifierKind } from '../tasks/vision/classifier.js';

/**
 * The model kinds this build of rtscore serves, each with the step that builds
 * its default model from what the project ships when the repository has no
 * version of it yet (train the FAQ models, generate the ResNet).
 */
export const modelKinds: readonly ModelKind[] = [
  { ...faqMatcherKind, load: faqMatcherKind.load.bind(faqMatcherKind), build: buildFaq },
  { ...imageClassifierKind, load: imageClassifierKind.load.bind(imageClassifierKind), build: buildResnet },
];

async function buildFaq(ctx: ModelBuildContext): Promise<void> {
  const dataset = z.enum(['faq', 'banking77']).safeParse(ctx.config.options.dataset ?? ctx.name);
  if (!dataset.success) {
    throw rtsError('MODEL_LOAD_FAILED', `model "${ctx.name}": options.dataset must be "faq" or "banking77" to build it from shipped data`);
  }
  await buildDefaultFaqModel(dataset.data, dirname(ctx.modelDir), (line: string) => ctx.logger.info(`[build ${ctx.name}] ${line}`));
}

const resnetBuildSchema = z.object({
  depth: z.union([z.literal(18), z.literal(34), z.literal(50), z.literal(101), z.literal(152)]),
  seed: z.number().int().optional(),
  baseWidth: z.number().int().min(1).optional(),
}).strict();

async function buildResnet(ctx: ModelBuildContext): Promise<void> {
  const build = resnetBuildSchema.safeParse(ctx.config.options.build);
  if (!build.success) {
    throw rtsError('MODEL_LOAD_FAILED', `model "${ctx.name}": no model file, and options.build ({"depth": 152}) does not say how to generate one`);
  }
  const file = typeof ctx.config.options.file === 'string' ? ctx.config.options.file : 'model.onnx';
  const target = join(ctx.modelDir, '1', file);
  const partial = join(ctx.modelDir, '.building', file);
  await mkdir(dirname(partial), { recursive: true });
  ctx.logger.info({ depth: build.data.depth }, `generating ResNet-${build.data.depth} (seeded random weights; bring a pretrained ONNX for real predictions)`);
  await new Promise<void>((resolve, reject) => {
    const worker = createWorker(new URL('./resnet-worker.js', import.meta.url), { workerData: { path: partial, options: build.data } });
    worker.on('message', (m: { progress?: string; result?: unknown; error?: string }) => {
      if (m.progress) ctx.logger.info(`[build ${ctx.name}] ${m.progress}`);
      if (m.error) reject(rtsError('MODEL_LOAD_FAILED', `generating ${ctx.name}: ${m.error}`));
      if (m.result) resolve();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(rtsError('MODEL_LOAD_FAILED', `ResNet build worker exited with ${code}`))));
  });
  // Publish the version folder only once the file is complete.
  await mkdir(join(ctx.modelDir, '1'), { recursive: true });
  await rename(partial, target);
  await rm(join(ctx.modelDir, '.building'), { recursive: true, force: true });
}
