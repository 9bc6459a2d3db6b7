import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomically } from '../../core/atomic-write.js';
import { rtsError } from '../../core/errors.js';
import type { ModelBuildContext } from '../../core/model.js';
import { runWorkerJob } from '../../core/worker.js';
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
  ctx.logger.info(
    { depth: build.depth },
    `generating ResNet-${build.depth} with seeded random weights (for real predictions, put a pretrained ONNX export at ${join(ctx.modelDir, '2', file)})`,
  );
  // The version folder appears only once the file in it is complete.
  await writeAtomically(join(ctx.modelDir, '1'), async (version) => {
    const path = join(version, file);
    await mkdir(dirname(path), { recursive: true });
    await runWorkerJob<unknown, string>(
      new URL('./resnet-build-worker.js', import.meta.url),
      { path, options: build },
      {
        what: `generating ${ctx.name}`,
        failure: 'MODEL_LOAD_FAILED',
        onProgress: (progress) => ctx.logger.info(`[build ${ctx.name}] ${progress}`),
      },
    );
  });
}
