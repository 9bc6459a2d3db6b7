import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelKinds } from '../../../src/cli/kinds.js';
import { halfToNumber, numberToHalf } from '../../../src/core/datatypes.js';
import { binaryOutputs, bytesBlob, call, floats, framed, startV2Server, type V2Server } from '../../server/oip/http.js';
import * as F from './fixtures.js';
import { argmax, forestProba, linearProba, maxAbsDiff, regress, scaleNormalize, textProba } from './reference.js';

/**
 * The `onnx` model kind behind the real server: folders holding only
 * `{"kind": "onnx"}` and `1/model.onnx` (graphs shaped as skl2onnx and
 * onnxmltools emit them), called over OIP v2 (JSON and binary). Expected
 * values come from each fixture's own parameters (reference.ts).
 */
const linearInt = F.linearParams(3, 4, [0, 1, 2], 1);
const linearStr = F.linearParams(3, 4, ['setosa', 'versicolor', 'virginica'], 2);
const forestBinary = F.forestParams(10, 3, 4, [0, 1], 5);
const forestMulti = F.forestParams(12, 4, 4, ['a', 'b', 'c'], 6);
const gbm = F.regressorParams(20, 3, 4, 'SUM', 8);
const rf = F.regressorParams(8, 3, 4, 'AVERAGE', 9);
const scaler: F.ScalerParams = { offset: [1, -2, 0.5], scale: [0.5, 0.25, 2], norm: 'L2' };
const text = F.textParams(3);
const twoCoef = [0.5, -1, 2, 0.25, -0.75];
const halfWeights = [0.5, 2, -3];
const table = [
  [0.1, 0.2],
  [1.5, -2.5],
  [3, 4],
  [-7, 8],
];

const rows = [
  [0.2, -1.3, 0.7, 2.1],
  [-0.4, 0.9, -1.6, 0.05],
  [1.7, 0.3, -0.2, -0.9],
];
const questions = ['I LOST my card', 'when will the money transfer arrive?', 'Refund refund REFUND', 'nothing known here'];

let server: V2Server;
let base: string;

beforeAll(async () => {
  server = await startV2Server(
    modelKinds,
    async (dir) => {
      await F.writeModelFolder(dir, 'linear', F.linearClassifierModel(linearInt, true));
      await F.writeModelFolder(dir, 'linear-strings', F.linearClassifierModel(linearStr, false));
      await F.writeModelFolder(dir, 'forest-binary', F.treeClassifierModel(forestBinary, true));
      await F.writeModelFolder(dir, 'forest', F.treeClassifierModel(forestMulti, true));
      await F.writeModelFolder(dir, 'gbm', F.treeRegressorModel(gbm));
      await F.writeModelFolder(dir, 'rf', F.treeRegressorModel(rf));
      await F.writeModelFolder(dir, 'scaler', F.scalerNormalizerModel(scaler));
      await F.writeModelFolder(dir, 'text', F.textPipelineModel(text));
      await F.writeModelFolder(dir, 'two', F.twoInputModel(twoCoef, 0.5));
      await F.writeModelFolder(dir, 'half', F.fp16Model(halfWeights));
      await F.writeModelFolder(dir, 'ids', F.int64InputModel(table));
      await F.writeModelFolder(dir, 'identity', F.identityModel());
      await F.writeModelFolder(dir, 'renamed', F.linearClassifierModel(linearStr, true), {
        kind: 'onnx',
        options: { inputs: { X: 'features' }, outputs: { output_probability: 'probabilities' }, defaultOutputs: ['probabilities'] },
      });
      await F.writeModelFolder(dir, 'batched', F.linearClassifierModel(linearInt, true), {
        kind: 'onnx',
        batching: { maxBatchSize: 8, maxQueueDelayMs: 20 },
      });
      // Models that must fail to load, with a message naming the file and what to do.
      await F.writeModelFolder(dir, 'junk', new TextEncoder().encode('this is a pickle, not ONNX'));
      await F.writeModelFolder(dir, 'unknown-op', F.unknownOperatorModel());
      await F.writeModelFolder(dir, 'future-opset', F.futureOpsetModel());
      await F.writeModelFolder(dir, 'sequence', F.sequenceOutputModel());
      await F.writeModelFolder(dir, 'wrong-file', F.unknownOperatorModel(), { kind: 'onnx', options: { file: 'classifier.onnx' } });
    },
    { onModelFailure: 'serve-others', onnxThreads: 1 },
  );
  base = server.url;
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

function infer(model: string, body: object) {
  return call(`${base}/v2/models/${model}/infer`, { body });
}

function fp32(name: string, data: number[][]) {
  return { name, datatype: 'FP32', shape: [data.length, data[0]!.length], data };
}

describe('metadata from the model itself', () => {
  test('inputs, outputs, datatypes and dynamic shapes; ZipMap output as FP32 [N, classes] with its class labels', async () => {
    const r = await call(`${base}/v2/models/linear`);
    expect(r.status).toBe(200);
    expect(r.json.platform).toBe('onnxruntime_onnx');
    expect(r.json.inputs).toEqual([{ name: 'X', datatype: 'FP32', shape: [-1, 4] }]);
    expect(r.json.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
    ]);
    expect(JSON.parse(r.json.properties['classes.output_probability'])).toEqual(['0', '1', '2']);
    expect(r.json.properties.fixes).toMatch(/removed ZipMap/);
    expect(r.json.properties.producer).toMatch(/skl2onnx/);
  });

  test('renamed inputs and outputs, default outputs from config', async () => {
    const meta = await call(`${base}/v2/models/renamed`);
    expect(meta.json.inputs[0].name).toBe('features');
    expect(meta.json.outputs.map((o: { name: string }) => o.name)).toEqual(['label', 'probabilities']);
    const r = await infer('renamed', { inputs: [fp32('features', rows)] });
    expect(r.status).toBe(200);
    expect(r.json.outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities']);
    expect(
      maxAbsDiff(
        r.json.outputs[0].data,
        rows.flatMap((x) => linearProba(linearStr, x)),
      ),
    ).toBeLessThan(1e-5);
  });
});

describe('scikit-learn shaped graphs agree with their parameters', () => {
  test('LinearClassifier + SOFTMAX with int labels and ZipMap', async () => {
    const r = await infer('linear', { inputs: [fp32('X', rows)] });
    expect(r.status).toBe(200);
    const [label, proba] = r.json.outputs;
    const expected = rows.map((x) => linearProba(linearInt, x));
    expect(proba.shape).toEqual([3, 3]);
    expect(maxAbsDiff(proba.data, expected.flat())).toBeLessThan(1e-5);
    expect(label).toMatchObject({ datatype: 'INT64', shape: [3], data: expected.map(argmax) });
  });

  test('LinearClassifier with string labels, without ZipMap (zipmap=False)', async () => {
    const r = await infer('linear-strings', { inputs: [fp32('X', rows)] });
    const [label, proba] = r.json.outputs;
    const expected = rows.map((x) => linearProba(linearStr, x));
    expect(label).toMatchObject({ datatype: 'BYTES', data: expected.map((p) => linearStr.labels[argmax(p)]) });
    expect(proba.name).toBe('probabilities');
    expect(maxAbsDiff(proba.data, expected.flat())).toBeLessThan(1e-5);
  });

  test('TreeEnsembleClassifier, multi-class with string labels, and binary', async () => {
    const multi = await infer('forest', { inputs: [fp32('X', rows)] });
    const expectedMulti = rows.map((x) => forestProba(forestMulti, x));
    expect(maxAbsDiff(multi.json.outputs[1].data, expectedMulti.flat())).toBeLessThan(1e-5);
    expect(multi.json.outputs[0].data).toEqual(expectedMulti.map((p) => forestMulti.labels[argmax(p)]));

    const binary = await infer('forest-binary', { inputs: [fp32('X', rows)] });
    const expectedBinary = rows.map((x) => forestProba(forestBinary, x));
    expect(binary.json.outputs[1].shape).toEqual([3, 2]);
    expect(maxAbsDiff(binary.json.outputs[1].data, expectedBinary.flat())).toBeLessThan(1e-5);
    expect(binary.json.outputs[0].data).toEqual(expectedBinary.map(argmax));
  });

  test('TreeEnsembleRegressor: SUM with a base value (gradient boosting) and AVERAGE (random forest)', async () => {
    for (const [model, params] of [
      ['gbm', gbm],
      ['rf', rf],
    ] as const) {
      const r = await infer(model, { inputs: [fp32('X', rows)] });
      expect(r.json.outputs[0]).toMatchObject({ name: 'variable', datatype: 'FP32', shape: [3, 1] });
      expect(
        maxAbsDiff(
          r.json.outputs[0].data,
          rows.map((x) => regress(params, x)),
        ),
      ).toBeLessThan(1e-4);
    }
  });

  test('Cast(FP64 → float) → Scaler → Normalizer', async () => {
    const x = [
      [1.5, 2, -1],
      [0, 0, 3],
    ];
    const r = await infer('scaler', { inputs: [{ name: 'X', datatype: 'FP64', shape: [2, 3], data: x }] });
    expect(r.status).toBe(200);
    expect(
      maxAbsDiff(
        r.json.outputs[0].data,
        x.flatMap((row) => scaleNormalize(scaler, row)),
      ),
    ).toBeLessThan(1e-6);
  });

  test('text pipeline: StringNormalizer without locale → Tokenizer → TfIdfVectorizer → Mul → Normalizer → LinearClassifier → ZipMap', async () => {
    const r = await infer('text', { inputs: [{ name: 'input', datatype: 'BYTES', shape: [questions.length, 1], data: questions }] });
    expect(r.status).toBe(200);
    const expected = questions.map((q) => textProba(text, q));
    expect(maxAbsDiff(r.json.outputs[1].data, expected.flat())).toBeLessThan(1e-5);
    expect(r.json.outputs[0].data).toEqual(expected.map((p) => text.classifier.labels[argmax(p)]));
    const meta = await call(`${base}/v2/models/text`);
    expect(meta.json.properties.fixes).toMatch(/StringNormalizer .* names no locale .* using "C\.UTF-8"/);
  });

  test('two inputs, an INT64 input, FP16 in and out (binary)', async () => {
    const two = await infer('two', {
      inputs: [
        fp32('a', [
          [1, 2],
          [3, 4],
        ]),
        fp32('b', [
          [5, 6, 7],
          [8, 9, 10],
        ]),
      ],
    });
    const dot = (v: number[]) => v.reduce((s, x, i) => s + x * twoCoef[i]!, 0.5);
    expect(maxAbsDiff(two.json.outputs[0].data, [dot([1, 2, 5, 6, 7]), dot([3, 4, 8, 9, 10])])).toBeLessThan(1e-5);

    const ids = await infer('ids', { inputs: [{ name: 'ids', datatype: 'INT64', shape: [3], data: [3, 0, 1] }] });
    expect(maxAbsDiff(ids.json.outputs[0].data, [table[3]!, table[0]!, table[1]!].flat())).toBeLessThan(1e-6);

    const x = [0.5, -1.25, 3, 100, 0.1, -0.001];
    const bits = Uint16Array.from(x, numberToHalf);
    const req = framed(
      { inputs: [{ name: 'x', datatype: 'FP16', shape: [2, 3], parameters: { binary_data_size: 12 } }], parameters: { binary_data_output: true } },
      Buffer.from(bits.buffer),
    );
    const half = await call(`${base}/v2/models/half/infer`, req);
    expect(half.status).toBe(200);
    const out = new Uint16Array(Uint8Array.from(binaryOutputs(half).get('y')!).buffer);
    const expected = x.map((_, i) => numberToHalf(Math.fround(halfToNumber(bits[i]!) * halfWeights[i % 3]!)));
    expect(Array.from(out)).toEqual(expected);
  });
});

describe('every OIP datatype through ONNX Runtime', () => {
  const values: Record<string, unknown[]> = {
    BOOL: [true, false, false, true],
    INT8: [-128, 127, 0, -1],
    INT16: [-32768, 32767, 1, -2],
    INT32: [-2147483648, 2147483647, 3, -4],
    INT64: ['-9223372036854775808', '9223372036854775807', 5, -6],
    UINT8: [0, 255, 7, 8],
    UINT16: [0, 65535, 9, 10],
    UINT32: [0, 4294967295, 11, 12],
    UINT64: ['18446744073709551615', 0, 13, 14],
    FP32: [1.5, -2.25, 3.125, 0],
    FP64: [1e300, -1e-300, Math.PI, 0],
    BYTES: ['héllo', '', 'wörld', '🙂'],
  };
  const jsonTypes = Object.keys(values);

  test('JSON in, JSON out, exact', async () => {
    const inputs = jsonTypes.map((t) => ({ name: `in_${t}`, datatype: t, shape: [2, 2], data: values[t] }));
    // FP16 goes as binary below (JSON FP16 is accepted by `:predict`-style callers too, see the KServe tests).
    const fp16 = { name: 'in_FP16', datatype: 'FP16', shape: [2, 2], parameters: { binary_data_size: 8 } };
    const req = framed(
      { inputs: [...inputs, fp16], outputs: jsonTypes.map((t) => ({ name: `out_${t}` })) },
      Buffer.from(Uint16Array.from([1, 2, 3, 4]).buffer),
    );
    const r = await call(`${base}/v2/models/identity/infer`, req);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    for (const [i, t] of jsonTypes.entries()) {
      const got = r.json.outputs[i];
      expect(got).toMatchObject({ name: `out_${t}`, datatype: t, shape: [2, 2] });
      // 64-bit extremes are exact in the response text (JSON.parse would round them).
      if (t === 'INT64' || t === 'UINT64') continue;
      expect(got.data).toEqual(values[t]);
    }
    const body = r.body.toString('utf8');
    expect(body).toContain('"name":"out_INT64","datatype":"INT64","shape":[2,2],"data":[-9223372036854775808,9223372036854775807,5,-6]');
    expect(body).toContain('"name":"out_UINT64","datatype":"UINT64","shape":[2,2],"data":[18446744073709551615,0,13,14]');
  });

  test('binary in, binary out, byte for byte (FP16 included)', async () => {
    const blobs: Buffer[] = [];
    const inputs = Object.keys(F.IDENTITY_TYPES).map((t) => {
      const blob =
        t === 'BYTES'
          ? bytesBlob('a', 'bc', '', 'déf')
          : Buffer.from(
              Array.from(
                {
                  length:
                    4 *
                    (
                      { BOOL: 1, INT8: 1, UINT8: 1, INT16: 2, UINT16: 2, FP16: 2, INT32: 4, UINT32: 4, FP32: 4, INT64: 8, UINT64: 8, FP64: 8 } as Record<
                        string,
                        number
                      >
                    )[t]!,
                },
                (_, i) => (t === 'BOOL' ? i % 2 : (i * 37 + 1) % 256),
              ),
            );
      blobs.push(blob);
      return { name: `in_${t}`, datatype: t, shape: [2, 2], parameters: { binary_data_size: blob.length } };
    });
    const r = await call(`${base}/v2/models/identity/infer`, framed({ inputs, parameters: { binary_data_output: true } }, ...blobs));
    expect(r.status).toBe(200);
    const outs = binaryOutputs(r);
    Object.keys(F.IDENTITY_TYPES).forEach((t, i) => expect(outs.get(`out_${t}`)!.equals(blobs[i]!)).toBe(true));
  });

  test('binary FP32 rows into a scikit-learn classifier', async () => {
    const data = Float32Array.from(rows.flat());
    const req = framed(
      {
        inputs: [{ name: 'X', datatype: 'FP32', shape: [3, 4], parameters: { binary_data_size: data.byteLength } }],
        outputs: [{ name: 'output_probability', parameters: { binary_data: true } }],
      },
      Buffer.from(data.buffer),
    );
    const r = await call(`${base}/v2/models/linear/infer`, req);
    expect(r.status).toBe(200);
    expect(
      maxAbsDiff(
        Array.from(floats(binaryOutputs(r).get('output_probability')!)),
        rows.flatMap((x) => linearProba(linearInt, x)),
      ),
    ).toBeLessThan(1e-5);
  });
});

describe('classification extension on score outputs', () => {
  test('top-k "<score>:<index>:<label>" from the ZipMap labels', async () => {
    const r = await infer('forest', { inputs: [fp32('X', rows)], outputs: [{ name: 'output_probability', parameters: { classification: 2 } }] });
    expect(r.status).toBe(200);
    const out = r.json.outputs[0];
    expect(out).toMatchObject({ datatype: 'BYTES', shape: [3, 2] });
    rows.forEach((x, i) => {
      const p = forestProba(forestMulti, x);
      const best = argmax(p);
      const [score, index, label] = (out.data[i * 2] as string).split(':');
      expect(Number(index)).toBe(best);
      expect(label).toBe(forestMulti.labels[best]);
      expect(Math.abs(Number(score) - p[best]!)).toBeLessThan(1e-5);
    });
  });

  test('FP64 and FP32 outputs without labels: "<score>:<index>"', async () => {
    const inputs = Object.keys(F.IDENTITY_TYPES).map((t) => ({
      name: `in_${t}`,
      datatype: t,
      shape: [1, 2],
      ...(t === 'FP16'
        ? { parameters: { binary_data_size: 4 } }
        : { data: t === 'BOOL' ? [true, false] : t === 'BYTES' ? ['a', 'b'] : t === 'FP64' ? [0.25, 0.75] : [2, 1] }),
    }));
    const req = framed(
      {
        inputs,
        outputs: [
          { name: 'out_FP64', parameters: { classification: 2 } },
          { name: 'out_FP32', parameters: { classification: 1 } },
        ],
      },
      Buffer.from(Uint16Array.from([0, 0]).buffer),
    );
    const r = await call(`${base}/v2/models/identity/infer`, req);
    expect(r.status).toBe(200);
    expect(r.json.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [1, 2], data: ['0.75:1', '0.25:0'] });
    expect(r.json.outputs[1]).toMatchObject({ datatype: 'BYTES', shape: [1, 1], data: ['2:0'] });
  });
});

describe('bad input is a 400 naming the input and what the model expects', () => {
  test.each([
    ['wrong name', { inputs: [fp32('x', rows)] }, /unknown input "x"; the model's inputs are "X" FP32 \[-1,4\]/],
    ['wrong datatype', { inputs: [{ name: 'X', datatype: 'FP64', shape: [3, 4], data: rows }] }, /input "X" must be FP32, got FP64/],
    [
      'wrong shape',
      { inputs: [{ name: 'X', datatype: 'FP32', shape: [2, 6], data: rows.flat().slice(0, 12) }] },
      /input "X" must have shape \[-1,4\] \(-1 = any size\), got \[2,6\]/,
    ],
    ['wrong rank', { inputs: [{ name: 'X', datatype: 'FP32', shape: [12], data: rows.flat() }] }, /input "X" must have shape \[-1,4\]/],
    ['too few values', { inputs: [{ name: 'X', datatype: 'FP32', shape: [3, 4], data: rows.flat().slice(1) }] }, /needs 12 elements?, but "data" holds 11/],
    ['strings for numbers', { inputs: [{ name: 'X', datatype: 'FP32', shape: [1, 4], data: ['a', 'b', 'c', 'd'] }] }, /element 0 must be a number/],
    ['missing input', { inputs: [] }, /the model's inputs are "X" FP32 \[-1,4\]/],
    ['unknown output', { inputs: [fp32('X', rows)], outputs: [{ name: 'probability' }] }, /unknown output "probability"/],
  ])('%s', async (_, body, message) => {
    const r = await infer('linear', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(message);
  });

  test('a text model given numbers', async () => {
    const r = await infer('text', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/input "input" must be BYTES, got FP32/);
  });
});

describe('batching along the dynamic first dimension', () => {
  test('concurrent requests of different sizes each get their own rows back', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => rows.slice(0, (i % 3) + 1).map((r) => r.map((v) => v + i / 10)));
    const answers = await Promise.all(requests.map((x) => infer('batched', { inputs: [fp32('X', x)] })));
    answers.forEach((r, i) => {
      expect(r.status).toBe(200);
      const expected = requests[i]!.map((x) => linearProba(linearInt, x));
      expect(r.json.outputs[1].shape).toEqual([requests[i]!.length, 3]);
      expect(maxAbsDiff(r.json.outputs[1].data, expected.flat())).toBeLessThan(1e-5);
      expect(r.json.outputs[0].data).toEqual(expected.map(argmax));
    });
  });
});

describe('models that cannot be served fail to load with what to do (onModelFailure: serve-others)', () => {
  test.each([
    ['junk', /model\.onnx is not an ONNX model .* export the model to ONNX first/],
    ['unknown-op', /model\.onnx.*No Op registered for FrobnicateTensor.* re-export/],
    ['future-opset', /model\.onnx.*Opset 99.* re-export with a lower target opset/s],
    ['wrong-file', /model "wrong-file" version 1: cannot read .*1\/classifier\.onnx \(ENOENT\); put the exported model there or set options\.file/],
    [
      'sequence',
      /model\.onnx: output "pieces" is seq\(tensor\(float\)\) \(made by SequenceConstruct node "make_sequence"\), which onnxruntime-node cannot return/,
    ],
  ])('%s', async (name, reason) => {
    const index = await call(`${base}/v2/repository/index`, { body: {} });
    const entry = index.json.find((e: { name: string }) => e.name === name);
    expect(entry.state).toBe('FAILED');
    expect(entry.reason).toMatch(reason);
    const ready = await call(`${base}/v2/models/${name}/ready`);
    expect(ready.status).not.toBe(200);
  });
});
