import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildResnetModel } from '../../src/tasks/vision/resnet/index.js';

/** The ImageNet labels rtscore ships (absolute, so the test repo can live anywhere). */
export const IMAGENET_LABELS = resolve(fileURLToPath(new URL('../../data/imagenet/labels.txt', import.meta.url)));

export interface VisionRepoOptions {
  /** Model folder name. Default `resnet`. */
  name?: string;
  maxBatchSize?: number;
  maxQueueDelayMs?: number;
  maxQueueSize?: number;
}

let cachedModel: Uint8Array | undefined;

/**
 * Write a small image-classifier model repository: `<dir>/<name>/config.json`
 * and `1/model.onnx`, a seeded ResNet-18 with base width 8 (the real graph
 * shape, input `input` FP32 [N,3,224,224] → `logits` [N,1000], about 0.7 M
 * parameters so it builds and runs in well under a second), labelled with the
 * shipped ImageNet labels.
 */
export async function makeVisionRepo(dir: string, options: VisionRepoOptions = {}): Promise<void> {
  const name = options.name ?? 'resnet';
  const modelDir = join(dir, name);
  await mkdir(join(modelDir, '1'), { recursive: true });
  cachedModel ??= buildResnetModel({ depth: 18, baseWidth: 8 });
  await writeFile(join(modelDir, '1', 'model.onnx'), cachedModel);
  const config = {
    kind: 'image-classifier',
    description: 'ResNet-18 (base width 8) with seeded weights, for tests',
    batching: {
      maxBatchSize: options.maxBatchSize ?? 4,
      maxQueueDelayMs: options.maxQueueDelayMs ?? 5,
      maxQueueSize: options.maxQueueSize ?? 64,
    },
    options: {
      labels: IMAGENET_LABELS,
      topK: 5,
      onnx: { intraOpNumThreads: 1, instances: 1 },
      preprocessing: { inputName: 'input' },
    },
  };
  await writeFile(join(modelDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
