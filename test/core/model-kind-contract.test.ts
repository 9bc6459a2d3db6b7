import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { defaultRuntimeSettings, type Model, type ModelKind, type ModelMetadata } from '../../src/core/model.js';
import { modelConfigSchema } from '../../src/core/model-config.js';
import { nullObserver } from '../../src/core/observer.js';
import { shapeMatches, type Tensor } from '../../src/core/tensor.js';
import { faqMatcherKind } from '../../src/tasks/faq/matcher.js';
import { onnxModelKind } from '../../src/tasks/onnx/model.js';
import { imageClassifierKind } from '../../src/tasks/vision/classifier.js';
import { makeFaqRepo } from '../helpers/faq-models.js';
import { makeVisionRepo } from '../helpers/vision-models.js';
import { textParams, textPipelineModel, writeModelFolder } from '../tasks/onnx/fixtures.js';

/**
 * The contract every model kind keeps towards the registry and the server: it loads a version
 * folder, describes itself, answers `infer` with exactly the tensors its metadata promises, and
 * gives the same answers when the same folder is loaded again. A new kind is one more entry in
 * `cases`: how to write a small model folder, and inputs for a batch of n.
 */
interface ModelKindCase {
  kind: ModelKind;
  /** Write `<dir>/<name>/config.json` and version `1`; returns the name. */
  makeRepo(dir: string): Promise<string>;
  /** Inputs for a batch of `n` the model accepts. */
  inputs(n: number, metadata: ModelMetadata): Tensor[];
}

const utf8 = new TextEncoder();
const dog = new Uint8Array(readFileSync(new URL('../fixtures/images/dog.jpg', import.meta.url)));
const eagle = new Uint8Array(readFileSync(new URL('../fixtures/images/eagle.jpg', import.meta.url)));

const cases: ModelKindCase[] = [
  {
    kind: faqMatcherKind,
    makeRepo: async (dir) => {
      await makeFaqRepo(dir, { name: 'faq' });
      return 'faq';
    },
    inputs: (n) => [
      {
        name: 'text',
        datatype: 'BYTES',
        shape: [n],
        data: Array.from({ length: n }, (_, i) => utf8.encode(i % 2 ? 'how do I get a refund?' : 'when will my card arrive?')),
      },
    ],
  },
  {
    // A model brought as ONNX: skl2onnx's TF-IDF text pipeline, ZipMap and locale-less StringNormalizer included.
    kind: onnxModelKind,
    makeRepo: async (dir) => {
      await writeModelFolder(dir, 'intents', textPipelineModel(textParams()));
      return 'intents';
    },
    inputs: (n) => [
      {
        name: 'input',
        datatype: 'BYTES',
        shape: [n, 1],
        data: Array.from({ length: n }, (_, i) => utf8.encode(i % 2 ? 'refund my money' : 'I lost my card')),
      },
    ],
  },
  {
    kind: imageClassifierKind,
    makeRepo: async (dir) => {
      await makeVisionRepo(dir, { name: 'resnet', maxQueueDelayMs: 0 });
      return 'resnet';
    },
    inputs: (n) => [{ name: 'image', datatype: 'BYTES', shape: [n], data: Array.from({ length: n }, (_, i) => (i % 2 ? eagle : dog)) }],
  },
];

const elements = (t: Tensor): number => t.data.length;

describe.each(cases)('model kind contract: $kind.kind', ({ kind, makeRepo, inputs }) => {
  let dir: string;
  let name: string;
  const loaded: Model[] = [];
  const load = async (): Promise<Model> => {
    const modelDir = join(dir, name);
    const model = await kind.load({
      name,
      version: '1',
      modelDir,
      versionDir: join(modelDir, '1'),
      config: modelConfigSchema.parse(JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8'))),
      logger: silentLogger,
      observer: nullObserver,
      settings: defaultRuntimeSettings,
    });
    loaded.push(model);
    return model;
  };
  let model: Model;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `rts-contract-${kind.kind}-`));
    name = await makeRepo(dir);
    model = await load();
  });
  afterAll(async () => {
    await Promise.all(loaded.map((m) => m.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('describes itself: name, version, kind, named and typed inputs and outputs, a batch bound, labels that fit', () => {
    const m = model.metadata;
    expect(model.kind).toBe(kind.kind);
    expect(m).toMatchObject({ name, version: '1', kind: kind.kind });
    expect(m.platform).toBeTruthy();
    expect(m.inputs.length).toBeGreaterThan(0);
    expect(m.outputs.length).toBeGreaterThan(0);
    expect(new Set(m.outputs.map((o) => o.name)).size).toBe(m.outputs.length);
    expect(Number.isInteger(m.maxBatchSize) && m.maxBatchSize >= 1).toBe(true);
    for (const [output, labels] of Object.entries(m.labels ?? {})) {
      const spec = m.outputs.find((o) => o.name === output);
      expect(spec, `labels of unknown output ${output}`).toBeDefined();
      expect(labels).toHaveLength(spec!.shape.at(-1)!);
    }
  });

  it.each([1, 2])('answers a batch of %i with tensors that match its metadata', async (n) => {
    const out = await model.infer(inputs(n, model.metadata));
    expect(out.length).toBeGreaterThan(0);
    for (const t of out) {
      const spec = model.metadata.outputs.find((o) => o.name === t.name);
      expect(spec, `output ${t.name} is not in the metadata`).toBeDefined();
      expect(t.datatype).toBe(spec!.datatype);
      expect(shapeMatches(spec!.shape, t.shape), `shape [${t.shape}] vs [${spec!.shape}]`).toBe(true);
      expect(t.shape[0]).toBe(n);
      expect(elements(t)).toBe(t.shape.reduce((a, b) => a * b, 1));
    }
  });

  it('answers each output it lists when asked for it alone', async () => {
    for (const spec of model.metadata.outputs) {
      const [t, ...rest] = await model.infer(inputs(1, model.metadata), { outputs: [spec.name] });
      expect(rest).toEqual([]);
      expect(t).toMatchObject({ name: spec.name, datatype: spec.datatype });
      expect(shapeMatches(spec.shape, t!.shape)).toBe(true);
    }
    await expect(model.infer(inputs(1, model.metadata), { outputs: ['no-such-output'] })).rejects.toMatchObject({ code: 'RTS_ERR_INVALID_INPUT' });
  });

  it('refuses inputs it does not list with INVALID_INPUT', async () => {
    await expect(model.infer([{ name: 'no-such-input', datatype: 'FP32', shape: [1], data: new Float32Array(1) }])).rejects.toMatchObject({
      code: 'RTS_ERR_INVALID_INPUT',
    });
  });

  it('loads the same folder again to the same metadata and the same answers', async () => {
    const again = await load();
    expect(again.metadata).toEqual(model.metadata);
    const batch = inputs(2, model.metadata);
    const [a, b] = await Promise.all([model.infer(batch), again.infer(batch)]);
    expect(b.map((t) => [t.name, t.shape])).toEqual(a.map((t) => [t.name, t.shape]));
    a.forEach((t, i) => expect(Array.from(b[i]!.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>)));
  });
});
