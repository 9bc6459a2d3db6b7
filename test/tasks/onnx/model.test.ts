import onnxProto from 'onnx-proto';
import { describe, expect, test } from 'vitest';
import * as F from './fixtures.js';
import { loadFixture } from './load.js';

/** The `onnx` kind's own checks of config.json against the model, loaded without a server. */
const T = onnxProto.onnx.TensorProto.DataType;

describe('config.json checked against the model at load', () => {
  test.each([
    [
      'a rename of an input the model lacks',
      { kind: 'onnx', options: { inputs: { features: 'X' } } },
      /options\.inputs renames "features", but the model's inputs are "X" FP32 \[-1,4\]/,
    ],
    ['an unknown option', { kind: 'onnx', options: { zipmap: false } }, /invalid options: .*zipmap/],
    [
      'a predict output the model lacks',
      { kind: 'onnx', options: { predict: { labels: 'classes' } } },
      /options\.predict\.labels is "classes", but the outputs are "label" INT64 \[-1\], "output_probability" FP32 \[-1,3\]/,
    ],
    [
      'labels for an output the model lacks',
      { kind: 'onnx', options: { labels: { scores: ['a'] } } },
      /options\.labels names "scores", which is not an output/,
    ],
  ])('%s', async (_, config, message) => {
    await expect(loadFixture(F.linearClassifierModel(F.linearParams(3, 4, [0, 1, 2]), true), config)).rejects.toThrow(message);
  });

  test('batching needs a dynamic first dimension', async () => {
    const fixed = F.encodeGraph({
      nodes: [{ opType: 'Identity', name: 'id', input: ['x'], output: ['y'] }],
      inputs: [F.tensorValue('x', T.FLOAT, [1, 2])],
      outputs: [F.tensorValue('y', T.FLOAT, [1, 2])],
    });
    await expect(loadFixture(fixed, { kind: 'onnx', batching: { maxBatchSize: 4 } })).rejects.toThrow(
      /batching\.maxBatchSize 4 concatenates requests along dimension 0, which is fixed for "x" FP32 \[1,2\]; export the model with a dynamic first \(batch\) dimension or set maxBatchSize to 1/,
    );
    const single = await loadFixture(fixed);
    expect(single.model.metadata.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [1, 2] }]);
    await single.close();
  });
});

describe('predict', () => {
  test('a regressor has no probabilities to give; its labels are its values', async () => {
    const params = F.regressorParams(3, 2, 2, 'SUM', 3);
    const loaded = await loadFixture(F.treeRegressorModel(params));
    try {
      const x = { name: 'X', datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([0.1, -0.2]) };
      await expect(loaded.model.predict([x], { probabilities: true })).rejects.toThrow(/model "m" has no class probability output/);
      const [value] = await loaded.model.predict([{ ...x, data: new Float32Array([0.1, -0.2]) }], {});
      expect(typeof value).toBe('number');
      expect(loaded.lines.some((l) => /ONNX Runtime session ready/.test(l.msg))).toBe(true);
    } finally {
      await loaded.close();
    }
  });
});
