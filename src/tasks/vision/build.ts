import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rtsError } from '../../core/errors.js';
import type { ModelBuildContext } from '../../core/model.js';
import { createWorker } from '../../core/worker.js';
import { parseClassifierOptions } from './classifier-options.js';

/**
 * Build step of the image-classifier kind: when a model folder has no
 * version and its config says `options.build: {"depth": 152}`, generate the
 * ResNet as version 1 (seeded weights), in a worker thread so a server that
 * builds it keeps answering health checks.
 */
export async function buildResnetVersion(ctx: ModelBuildContext): Promise<void> {
  // The same validated options the loader uses: a bad `build` or `file` fails here, named.
  const { build, file } = parseClassifierOptions(ctx.config.options, ctx.name);
  if (!build) {
    throw rtsError('MODEL_LOAD_FAILED', `model "${ctx.name}" has no version, and no options.build (e.g. {"depth": 152}) says how to generate one`);
  }
  const staging = join(ctx.modelDir, '.building');
  const partial = join(staging, file);
  await mkdir(dirname(partial), { recursive: true });
  ctx.logger.info({ depth: build.depth }, `generating ResNet-${build.depth} with seeded random weights (for real predictions, put a pretrained ONNX export at ${join(ctx.modelDir, '2', file)})`);
  await new Promise<void>((resolve, reject) => {
    const worker = createWorker(new URL('./resnet-build-worker.js', import.meta.url), { workerData: { path: partial, options: build } });
    let done = false;
    worker.on('message', (m: { progress?: string; result?: unknown; error?: string }) => {
      if (m.progress) ctx.logger.info(`[build ${ctx.name}] ${m.progress}`);
      if (m.error) { done = true; reject(rtsError('MODEL_LOAD_FAILED', `generating ${ctx.name}: ${m.error}`)); }
      if (m.result) { done = true; resolve(); }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => { if (!done) reject(rtsError('MODEL_LOAD_FAILED', `the ResNet build worker exited with code ${code}`)); });
  });
  // Publish the version folder only once the file is complete.
  await mkdir(join(ctx.modelDir, '1'), { recursive: true });
  await rename(partial, join(ctx.modelDir, '1', file));
  await rm(staging, { recursive: true, force: true });
}
