import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addOnnxModel } from '../../../src/tasks/onnx/add-model.js';
import { decodeModel } from '../../../src/tasks/onnx/graph.js';
import { formatInspection, inspectOnnxFile } from '../../../src/tasks/onnx/inspect.js';
import { prepareModel } from '../../../src/tasks/onnx/prepare.js';
import * as F from './fixtures.js';

/** The graph edits made at load, `rtscore inspect` and `rtscore add-model` (no ONNX Runtime needed). */
let dir: string;
const text = F.textPipelineModel(F.textParams());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtscore-inspect-'));
  await writeFile(join(dir, 'text.onnx'), text);
  await writeFile(join(dir, 'sequence.onnx'), F.sequenceOutputModel());
  await writeFile(join(dir, 'two.onnx'), F.twoInputModel([1, 2, 3, 4, 5], 0));
  await writeFile(join(dir, 'notes.txt'), 'not a model');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareModel', () => {
  test('a trailing ZipMap becomes an Identity of its FP32 probabilities, keeping the output name and its labels', () => {
    const prepared = prepareModel(F.linearClassifierModel(F.linearParams(3, 4, [10, 20, 30]), true), 'lr.onnx');
    expect(prepared.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ['label', 'INT64', [-1]],
      ['output_probability', 'FP32', [-1, 3]],
    ]);
    expect(prepared.labels).toEqual({ output_probability: ['10', '20', '30'] });
    const edited = decodeModel(prepared.bytes!, 'edited');
    const node = edited.graph!.node!.find((n) => n.output?.includes('output_probability'))!;
    expect([node.opType, node.input]).toEqual(['Identity', ['probability_tensor']]);
    expect(prepared.notes).toEqual([expect.stringMatching(/^removed ZipMap "ZipMap": output "output_probability" is now the FP32 \[N, 3\] probabilities/)]);
  });

  test('without ZipMap, labels come from the classifier behind the probabilities', () => {
    const prepared = prepareModel(F.linearClassifierModel(F.linearParams(2, 3, ['no', 'yes']), false), 'lr.onnx');
    expect(prepared.bytes).toBeUndefined();
    expect(prepared.labels).toEqual({ probabilities: ['no', 'yes'] });
  });

  test('StringNormalizer without a locale gets the configured one (default C.UTF-8 on Linux)', () => {
    const locale = (bytes: Uint8Array) => {
      const node = decodeModel(bytes, 'x').graph!.node!.find((n) => n.opType === 'StringNormalizer')!;
      return new TextDecoder().decode(node.attribute!.find((a) => a.name === 'locale')!.s!);
    };
    expect(locale(prepareModel(text, 'text.onnx').bytes!)).toBe(process.platform === 'linux' ? 'C.UTF-8' : expect.any(String));
    expect(locale(prepareModel(text, 'text.onnx', { locale: 'de_DE.UTF-8' }).bytes!)).toBe('de_DE.UTF-8');
  });

  test('a file that is not ONNX names the file and what to do', () => {
    expect(() => prepareModel(new TextEncoder().encode('{"not": "onnx"}'), 'model.pkl')).toThrow(
      /model\.pkl is not an ONNX model .* export the model to ONNX first/,
    );
    expect(() => prepareModel(new Uint8Array(0), 'empty.onnx')).toThrow(/empty\.onnx is not an ONNX model/);
  });
});

describe('rtscore inspect', () => {
  test('reports producer, opsets, served IO with OIP datatypes, what was declared, fixes and a config', async () => {
    const report = await inspectOnnxFile(join(dir, 'text.onnx'));
    const textReport = formatInspection(report).join('\n');
    expect(textReport).toContain('producer:   skl2onnx 1.16.0');
    expect(textReport).toContain('opsets:     ai.onnx 15, ai.onnx.ml 1, com.microsoft 1');
    expect(textReport).toContain('  input  BYTES [-1, 1]');
    expect(textReport).toContain('  output_probability  FP32 [-1, 3]  classes ["card_lost","refund","transfer"]');
    expect(textReport).toContain('declared in the file as: output_probability  seq(map(string,tensor(float))) (not a tensor)');
    expect(textReport).toMatch(/fixed at load:\n {2}removed ZipMap/);
    expect(report.config).toEqual({ kind: 'onnx', batching: { maxBatchSize: 8, maxQueueDelayMs: 0 } });
  });

  test('says why a model cannot be served', async () => {
    const report = await inspectOnnxFile(join(dir, 'sequence.onnx'));
    expect(report.problem).toMatch(/output "pieces" is seq\(tensor\(float\)\)/);
    expect(formatInspection(report).join('\n')).toMatch(/cannot be served: .*onnxruntime-node cannot return/);
    await expect(inspectOnnxFile(join(dir, 'notes.txt'))).rejects.toThrow(/notes\.txt is not an ONNX model/);
    await expect(inspectOnnxFile(join(dir, 'missing.onnx'))).rejects.toThrow(/cannot read .*missing\.onnx \(ENOENT\)/);
  });
});

describe('rtscore add-model', () => {
  test('creates the folder and config, then adds each file as the next version', async () => {
    const models = join(dir, 'models');
    const first = await addOnnxModel(models, 'intents', join(dir, 'text.onnx'));
    expect(first).toMatchObject({ version: '1', createdConfig: true });
    expect(JSON.parse(await readFile(join(models, 'intents', 'config.json'), 'utf8'))).toEqual({
      kind: 'onnx',
      batching: { maxBatchSize: 8, maxQueueDelayMs: 0 },
    });
    const second = await addOnnxModel(models, 'intents', join(dir, 'text.onnx'));
    expect(second).toMatchObject({ version: '2', createdConfig: false });
    expect(Buffer.from(await readFile(join(models, 'intents', '2', 'model.onnx'))).equals(Buffer.from(text))).toBe(true);
    expect((await readdir(join(models, 'intents'))).sort()).toEqual(['1', '2', 'config.json']);
  });

  test("refuses a model it cannot serve, another kind's folder, and a bad name", async () => {
    const models = join(dir, 'models2');
    await expect(addOnnxModel(models, 'seq', join(dir, 'sequence.onnx'))).rejects.toThrow(/not added: .*onnxruntime-node cannot return/);
    await mkdir(join(models, 'faq'), { recursive: true });
    await writeFile(join(models, 'faq', 'config.json'), '{"kind": "faq-matcher"}');
    await expect(addOnnxModel(models, 'faq', join(dir, 'two.onnx'))).rejects.toThrow(/exists with kind "faq-matcher"/);
    await expect(addOnnxModel(models, '../escape', join(dir, 'two.onnx'))).rejects.toThrow(/model name "..\/escape" must be/);
  });
});
