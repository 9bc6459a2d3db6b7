import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageClassifier, isImageClassifier } from '../../../src/core/capabilities.js';
import { silentLogger } from '../../../src/core/logger.js';
import { defaultRuntimeSettings } from '../../../src/core/model.js';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import type { ModelObserver } from '../../../src/core/observer.js';
import { imageClassifierKind } from '../../../src/tasks/vision/classifier.js';
import { preprocessImage } from '../../../src/tasks/vision/preprocess.js';
import { parsePreprocessSpec } from '../../../src/tasks/vision/preprocess-spec.js';
import { IMAGENET_LABELS, makeVisionRepo } from '../../helpers/vision-models.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/images/${name}`, import.meta.url)));
const dog = fixture('dog.jpg');
const eagle = fixture('eagle.jpg');
const giraffe = fixture('giraffe.jpg');
const labelLines = readFileSync(IMAGENET_LABELS, 'utf8').trim().split('\n');

interface Recorded {
  batches: number[];
  waits: number;
  preprocess: number;
  cancelled: number;
  depths: number[];
}

function recorder(): { observer: ModelObserver; seen: Recorded } {
  const seen: Recorded = { batches: [], waits: 0, preprocess: 0, cancelled: 0, depths: [] };
  return {
    seen,
    observer: {
      batch: (_m, _v, size) => seen.batches.push(size),
      queueWait: () => seen.waits++,
      preprocess: () => seen.preprocess++,
      cancelled: () => seen.cancelled++,
      queueDepth: (_m, _v, depth) => seen.depths.push(depth),
    },
  };
}

async function load(dir: string, name: string, observer: ModelObserver = {}, edit?: (config: any) => void): Promise<ImageClassifier> {
  const modelDir = join(dir, name);
  const json = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8'));
  edit?.(json);
  const model = await imageClassifierKind.load({
    name,
    version: '1',
    modelDir,
    versionDir: join(modelDir, '1'),
    config: modelConfigSchema.parse(json),
    logger: silentLogger,
    observer,
    settings: defaultRuntimeSettings,
  });
  if (!isImageClassifier(model)) throw new Error('not an image classifier');
  return model;
}

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: { code: string; message: string }) => e,
  );
}

let dir: string;
let model: ImageClassifier;
const { observer, seen } = recorder();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-vision-'));
  // A long queue delay so concurrent requests reliably meet in one batch.
  await makeVisionRepo(dir, { maxBatchSize: 4, maxQueueDelayMs: 250, maxQueueSize: 16 });
  model = await load(dir, 'resnet', observer);
});

afterAll(async () => {
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('image-classifier on a tiny ResNet', () => {
  it('describes itself', () => {
    expect(model.capability).toBe('image-classifier');
    expect(model.classCount).toBe(1000);
    expect(model.defaultTopK).toBe(5);
    expect(model.metadata).toMatchObject({
      kind: 'image-classifier',
      platform: 'onnxruntime_onnx',
      maxBatchSize: 4,
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] },
        { name: 'image', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 1000] },
        { name: 'logits', datatype: 'FP32', shape: [-1, 1000] },
      ],
      properties: { provider: 'cpu', instances: '1', classes: '1000', weights: 'random', architecture: 'resnet18-v1.5' },
    });
    expect(model.metadata.labels?.probabilities).toEqual(labelLines);
  });

  it('classifies an image into 5 labelled predictions, best first', async () => {
    const [predictions] = await model.classify([dog], { topK: model.defaultTopK });
    expect(predictions).toHaveLength(5);
    for (const p of predictions!) {
      expect(labelLines[p.index]).toBe(`${p.wnid} ${p.label}`);
      expect(p.probability).toBeGreaterThan(0);
      expect(p.probability).toBeLessThan(1);
    }
    const probabilities = predictions!.map((p) => p.probability);
    expect([...probabilities].sort((a, b) => b - a)).toEqual(probabilities);
  });

  it('gives probabilities that sum to 1 over all classes, from the tensor API', async () => {
    const [probabilities, logits] = await model.infer([{ name: 'image', datatype: 'BYTES', shape: [2], data: [dog, eagle] }], {
      outputs: ['probabilities', 'logits'],
    });
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 1000] });
    expect(logits).toMatchObject({ name: 'logits', shape: [2, 1000] });
    const p = probabilities!.data as Float32Array;
    for (let b = 0; b < 2; b++) {
      const row = p.subarray(b * 1000, (b + 1) * 1000);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    }
    // The two images get different scores.
    expect(Array.from(p.subarray(0, 1000))).not.toEqual(Array.from(p.subarray(1000)));
    // The top-k of classify is the top of that distribution.
    const [top] = await model.classify([dog], { topK: 1000 });
    expect(top).toHaveLength(1000);
    expect(top![0]!.probability).toBeCloseTo(Math.max(...p.subarray(0, 1000)), 6);
  });

  it('groups concurrent requests into one batch', async () => {
    const before = seen.batches.length;
    const results = await Promise.all([dog, eagle, giraffe, dog].map((img) => model.classify([img], { topK: 3 })));
    expect(results.map((r) => r[0]!.length)).toEqual([3, 3, 3, 3]);
    expect(seen.batches.slice(before)).toEqual([4]);
    // Identical images in one batch get identical answers.
    expect(results[3]).toEqual(results[0]);
    expect(seen.preprocess).toBeGreaterThanOrEqual(4);
    expect(seen.waits).toBeGreaterThanOrEqual(4);
  });

  it('answers the preprocessed FP32 tensor exactly as the encoded image', async () => {
    const tensor = await preprocessImage(dog, parsePreprocessSpec({}), { maxPixels: 1e7 });
    const [fromTensor] = await model.infer([{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data: tensor }], { outputs: ['logits'] });
    const [fromBytes] = await model.infer([{ name: 'image', datatype: 'BYTES', shape: [1, 1], data: [dog] }], { outputs: ['logits'] });
    expect(fromTensor!.shape).toEqual([1, 1000]);
    const a = fromTensor!.data as Float32Array,
      b = fromBytes!.data as Float32Array;
    for (let i = 0; i < 1000; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    expect(tensor.length).toBe(3 * 224 * 224); // the caller's array is copied, not handed away
  });

  it('drops cancelled requests before inference', async () => {
    const gone = new AbortController();
    gone.abort();
    expect((await errorOf(model.classify([dog], { topK: 5, signal: gone.signal }))).code).toBe('RTS_ERR_CANCELLED');

    // Cancelled while its image is being decoded: it never reaches the queue.
    // (Dropping items already queued is the batcher's job: test/core/batcher.test.ts.)
    const batchesBefore = seen.batches.length;
    const cancelledBefore = seen.cancelled;
    const leaving = new AbortController();
    const pending = model.classify([dog], { topK: 5, signal: leaving.signal });
    leaving.abort();
    expect((await errorOf(pending)).code).toBe('RTS_ERR_CANCELLED');
    expect(seen.cancelled).toBe(cancelledBefore + 1);
    expect(seen.batches.length).toBe(batchesBefore); // nothing ran for it
  });

  it('names the failing image of a request', async () => {
    const err = await errorOf(model.classify([dog, new TextEncoder().encode('not an image')], { topK: 5 }));
    expect(err.code).toBe('RTS_ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(err.message).toMatch(/^image 1: /);
  });

  it('refuses malformed tensor inputs', async () => {
    const cases: [unknown[], RegExp][] = [
      [[], /exactly one input/],
      [[{ name: 'input', datatype: 'FP32', shape: [1, 3, 200, 200], data: new Float32Array(3 * 200 * 200) }], /must be FP32 \[B,3,224,224\]/],
      [[{ name: 'input', datatype: 'FP32', shape: [2, 3, 224, 224], data: new Float32Array(3 * 224 * 224) }], /matching data/],
      [[{ name: 'image', datatype: 'BYTES', shape: [2], data: [dog] }], /BYTES \[B\]/],
      [[{ name: 'pixels', datatype: 'FP32', shape: [1], data: new Float32Array(1) }], /unknown input "pixels"/],
    ];
    for (const [inputs, message] of cases) {
      const err = await errorOf(model.infer(inputs as never));
      expect(err.code).toBe('RTS_ERR_INVALID_INPUT');
      expect(err.message).toMatch(message);
    }
    const err = await errorOf(model.infer([{ name: 'image', datatype: 'BYTES', shape: [1], data: [dog] }], { outputs: ['softmax'] }));
    expect(err.message).toMatch(/unknown output "softmax"/);
  });
});

describe('loading checks the configuration against the model', () => {
  it('refuses labels that do not match the class count', async () => {
    const labels = join(dir, 'ten-labels.txt');
    await writeFile(labels, Array.from({ length: 10 }, (_, i) => `class ${i}`).join('\n'));
    const err = await errorOf(
      load(dir, 'resnet', {}, (c) => {
        c.options.labels = labels;
      }),
    );
    expect(err.code).toBe('RTS_ERR_CONFIG');
    expect(err.message).toMatch(/scores 1000 classes but the labels file has 10/);
  });

  it('says which input name to configure', async () => {
    const err = await errorOf(
      load(dir, 'resnet', {}, (c) => {
        c.options.preprocessing = { inputName: 'data' };
      }),
    );
    expect(err.message).toMatch(/set options.preprocessing.inputName to "input"/);
  });

  it('refuses preprocessing the model cannot take', async () => {
    const err = await errorOf(
      load(dir, 'resnet', {}, (c) => {
        c.options.preprocessing = { layout: 'NHWC' };
      }),
    );
    expect(err.code).toBe('RTS_ERR_CONFIG');
    expect(err.message).toMatch(/does not take NHWC FP32 \[N,224,224,3\]/);
  });

  it('refuses unknown options and missing label files', async () => {
    expect(
      (
        await errorOf(
          load(dir, 'resnet', {}, (c) => {
            c.options.top_k = 3;
          }),
        )
      ).message,
    ).toMatch(/top_k/);
    expect(
      (
        await errorOf(
          load(dir, 'resnet', {}, (c) => {
            c.options.labels = 'nowhere/labels.txt';
          }),
        )
      ).message,
    ).toMatch(/not found; looked in/);
  });

  it('finds the shipped labels by their repository path and closes cleanly', async () => {
    const other = await load(dir, 'resnet', {}, (c) => {
      c.options.labels = 'data/imagenet/labels.txt';
      c.options.topK = 3;
      c.batching = { maxBatchSize: 1, maxQueueDelayMs: 0, maxQueueSize: 4 };
    });
    expect(other.defaultTopK).toBe(3);
    expect((await other.classify([eagle], { topK: 3 }))[0]).toHaveLength(3);
    await other.close();
    expect((await errorOf(other.classify([eagle], { topK: 3 }))).code).toBe('RTS_ERR_SHUTTING_DOWN');
  });
});
