import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/tensor.js';
import { classify, shortestFloat32 } from '../../../src/server/oip/classification.js';
import { modelMetadata, serverMetadata } from '../../../src/server/oip/metadata.js';
import { dataToJson, encodeInferResponse } from '../../../src/server/oip/response.js';

const text = (t: Tensor) => (t.data as Uint8Array[]).map((e) => Buffer.from(e).toString('utf8'));

describe('classification', () => {
  it('returns the top k of each row as "<score>:<index>:<label>", best first', () => {
    const scores: Tensor = { name: 'p', datatype: 'FP32', shape: [2, 4], data: new Float32Array([0.1, 0.6, 0.2, 0.1, 0.7, 0.05, 0.05, 0.2]) };
    const out = classify(scores, 2, ['cat', 'dog', 'fox', 'owl']);
    expect(out).toMatchObject({ name: 'p', datatype: 'BYTES', shape: [2, 2] });
    expect(text(out)).toEqual(['0.6:1:dog', '0.2:2:fox', '0.7:0:cat', '0.2:3:owl']);
  });

  it('breaks ties by the lower index, caps k, and omits missing labels', () => {
    const scores: Tensor = { name: 'p', datatype: 'FP64', shape: [3], data: new Float64Array([0.25, 0.5, 0.25]) };
    const out = classify(scores, 10);
    expect(out.shape).toEqual([3]);
    expect(text(out)).toEqual(['0.5:1', '0.25:0', '0.25:2']);
    const ints: Tensor = { name: 'n', datatype: 'INT64', shape: [1, 3], data: new BigInt64Array([5n, -2n, 9n]) };
    expect(text(classify(ints, 1, ['a']))).toEqual(['9:2']);
  });

  it('prints float32 scores in their shortest exact form', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe('0.1');
    expect(shortestFloat32(Math.fround(0.123456789))).toBe('0.12345679');
    expect(shortestFloat32(Math.fround(1e-7))).toBe('1e-7');
    expect(shortestFloat32(1)).toBe('1');
    for (let i = 0; i < 1000; i++) {
      const v = Math.fround(Math.random() * 10 ** ((i % 20) - 10));
      expect(Math.fround(Number(shortestFloat32(v)))).toBe(v);
    }
  });
});

describe('response encoding', () => {
  it('serialises INT64/UINT64 exactly as JSON numbers', () => {
    const big: Tensor = { name: 'i', datatype: 'INT64', shape: [2], data: new BigInt64Array([9007199254740993n, -9223372036854775808n]) };
    const { body, headerLength } = encodeInferResponse({ modelName: 'm', modelVersion: '3', id: 'x', outputs: [{ tensor: big, binary: false }] });
    expect(headerLength).toBeUndefined();
    expect(body).toBe(
      '{"model_name":"m","model_version":"3","id":"x","outputs":[{"name":"i","datatype":"INT64","shape":[2],"data":[9007199254740993,-9223372036854775808]}]}',
    );
    // biome-ignore lint/correctness/noPrecisionLoss: what JSON.parse makes of INT64 extremes, on purpose.
    expect(JSON.parse(body as string).outputs[0].data).toEqual([9007199254740992, -9223372036854775808]);
  });

  it('serialises other datatypes as JSON', () => {
    expect(dataToJson({ datatype: 'BOOL', data: new Uint8Array([1, 0]) }).text).toBe('[true,false]');
    expect(dataToJson({ datatype: 'FP32', data: new Float32Array([0.5, NaN, Infinity]) }).text).toBe('[0.5,null,null]');
    expect(dataToJson({ datatype: 'FP16', data: new Uint16Array([0x3c00, 0xc000]) }).text).toBe('[1,-2]');
    expect(dataToJson({ datatype: 'UINT64', data: new BigUint64Array([18446744073709551615n]) }).text).toBe('[18446744073709551615]');
    expect(dataToJson({ datatype: 'BYTES', data: [Buffer.from('héllo "x"')] })).toEqual({ text: '["héllo \\"x\\""]' });
    // Bytes that are not UTF-8 come back base64, flagged.
    expect(dataToJson({ datatype: 'BYTES', data: [new Uint8Array([0xff, 0xfe])] })).toEqual({ text: '["//4="]', contentType: 'base64' });
  });

  it('frames binary outputs after the JSON header, in output order', () => {
    const a: Tensor = { name: 'a', datatype: 'FP32', shape: [2], data: new Float32Array([1, 2]) };
    const b: Tensor = { name: 'b', datatype: 'BYTES', shape: [1], data: [Buffer.from('hi')] };
    const c: Tensor = { name: 'c', datatype: 'INT32', shape: [1], data: new Int32Array([7]) };
    const { body, headerLength } = encodeInferResponse({
      modelName: 'm',
      modelVersion: '1',
      outputs: [
        { tensor: a, binary: true },
        { tensor: c, binary: false },
        { tensor: b, binary: true },
      ],
    });
    expect(Buffer.isBuffer(body)).toBe(true);
    const buf = body as Buffer;
    const header = JSON.parse(buf.subarray(0, headerLength).toString('utf8'));
    expect(header.id).toBeUndefined();
    expect(header.outputs).toEqual([
      { name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
      { name: 'c', datatype: 'INT32', shape: [1], data: [7] },
      { name: 'b', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } },
    ]);
    const rest = buf.subarray(headerLength);
    expect(rest.length).toBe(14);
    expect(rest.readFloatLE(0)).toBe(1);
    expect(rest.readFloatLE(4)).toBe(2);
    expect(rest.readUInt32LE(8)).toBe(2);
    expect(rest.subarray(12).toString()).toBe('hi');
  });
});

describe('metadata', () => {
  it('describes the server and a model in the protocol shapes', () => {
    expect(serverMetadata('1.2.3')).toEqual({
      name: 'rtscore',
      version: '1.2.3',
      extensions: ['binary_tensor_data', 'classification', 'model_repository', 'statistics', 'model_configuration', 'schedule_policy'],
    });
    const meta = modelMetadata(
      {
        name: 'm',
        version: '2',
        kind: 'k',
        platform: 'onnxruntime_onnx',
        maxBatchSize: 8,
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
        outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
        properties: { provider: 'cpu' },
        labels: { y: ['a', 'b'] },
      },
      ['1', '2'],
    );
    expect(meta).toEqual({
      name: 'm',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
      properties: { provider: 'cpu', kind: 'k', max_batch_size: '8', 'labels.y': '2' },
    });
  });
});
