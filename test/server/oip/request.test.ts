import { describe, expect, it } from 'vitest';
import type { ModelMetadata } from '../../../src/core/model.js';
import { parseInferBody } from '../../../src/server/oip/body.js';
import { defaultOipLimits } from '../../../src/server/oip/limits.js';
import { parseInferRequest, parseRawRequest } from '../../../src/server/oip/request.js';
import { error400 as message } from './expect-400.js';

/** Metadata shaped like the image model's: encoded images or a preprocessed tensor in, scores out. */
const imageMeta: ModelMetadata = {
  name: 'img',
  version: '1',
  kind: 'image-classifier',
  platform: 'onnxruntime_onnx',
  maxBatchSize: 8,
  inputs: [
    { name: 'image', datatype: 'BYTES', shape: [-1] },
    { name: 'pixels', datatype: 'FP32', shape: [-1, 3, 2, 2] },
  ],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 4] },
    { name: 'label', datatype: 'BYTES', shape: [-1] },
  ],
};
const textMeta: ModelMetadata = {
  name: 'faq',
  version: '1',
  kind: 'faq-matcher',
  platform: 'rtscore_text',
  maxBatchSize: 64,
  inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1, 1] }],
  outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 3] }],
};
const limits = defaultOipLimits;

function framed(header: unknown, ...blobs: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...blobs]), headerLength: json.length };
}

describe('parseInferRequest', () => {
  it('parses id, parameters, inputs and requested outputs', () => {
    const req = parseInferRequest(
      {
        id: 'r1',
        parameters: { binary_data_output: true, priority: 1, tag: 'x' },
        inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['a', 'b'], parameters: { content_type: 'str' } }],
        outputs: [{ name: 'scores', parameters: { classification: 2, binary_data: false } }],
      },
      undefined,
      textMeta,
      limits,
    );
    expect(req.id).toBe('r1');
    expect(req.binaryOutput).toBe(true);
    expect(req.parameters).toEqual({ priority: 1, tag: 'x' });
    expect(req.inputs).toHaveLength(1);
    // [2] is fitted to the model's [-1,1].
    expect(req.inputs[0]).toMatchObject({ name: 'text', datatype: 'BYTES', shape: [2, 1], parameters: { content_type: 'str' } });
    expect(req.outputs).toEqual([{ name: 'scores', binary: false, classification: 2 }]);
  });

  it('says what the model expects when an input does not fit', () => {
    const input = (over: Record<string, unknown>) => ({
      inputs: [{ name: 'pixels', shape: [1, 3, 2, 2], datatype: 'FP32', data: new Array(12).fill(0), ...over }],
    });
    expect(message(() => parseInferRequest(input({ name: 'nope' }), undefined, imageMeta, limits))).toBe(
      'unknown input "nope"; the model\'s inputs are "image" BYTES [-1], "pixels" FP32 [-1,3,2,2]',
    );
    expect(message(() => parseInferRequest(input({ datatype: 'FP64' }), undefined, imageMeta, limits))).toBe(
      'input "pixels" must be FP32, got FP64 (the model expects "pixels" FP32 [-1,3,2,2])',
    );
    expect(message(() => parseInferRequest(input({ datatype: 'FLOAT' }), undefined, imageMeta, limits))).toMatch(/"datatype" must be one of/);
    expect(message(() => parseInferRequest(input({ shape: [1, 2, 2, 3] }), undefined, imageMeta, limits))).toBe(
      'input "pixels" must have shape [-1,3,2,2] (-1 = any size), got [1,2,2,3]',
    );
    expect(message(() => parseInferRequest(input({ shape: [3, 2, 2] }), undefined, imageMeta, limits))).toMatch(/must have shape/);
    expect(message(() => parseInferRequest(input({ data: [1, 2] }), undefined, imageMeta, limits))).toMatch(/needs 12 elements, but "data" holds 2/);
    expect(message(() => parseInferRequest(input({ data: undefined }), undefined, imageMeta, limits))).toMatch(/has no "data"/);
    expect(message(() => parseInferRequest({ inputs: [...input({}).inputs, ...input({}).inputs] }, undefined, imageMeta, limits))).toMatch(
      /given more than once/,
    );
  });

  it('refuses malformed requests', () => {
    const ok = [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['q'] }];
    expect(message(() => parseInferRequest([], undefined, textMeta, limits))).toBe('the inference request must be a JSON object');
    expect(message(() => parseInferRequest({}, undefined, textMeta, limits))).toMatch(
      /"inputs" must be a non-empty array; the model's inputs are "text" BYTES \[-1,1\]/,
    );
    expect(message(() => parseInferRequest({ inputs: [] }, undefined, textMeta, limits))).toMatch(/non-empty/);
    expect(message(() => parseInferRequest({ id: 5, inputs: ok }, undefined, textMeta, limits))).toMatch(/"id" must be a string/);
    expect(message(() => parseInferRequest({ inputs: ok, parameters: { a: { b: 1 } } }, undefined, textMeta, limits))).toMatch(
      /parameters.a must be a string, number or boolean/,
    );
    expect(message(() => parseInferRequest({ inputs: ok, parameters: { binary_data_output: 'yes' } }, undefined, textMeta, limits))).toMatch(
      /binary_data_output must be true or false/,
    );
    expect(message(() => parseInferRequest({ inputs: [{ ...ok[0], parameters: { content_type: 1 } }] }, undefined, textMeta, limits))).toMatch(
      /content_type must be a string/,
    );
  });

  it('checks requested outputs: known, once each, valid parameters', () => {
    const inputs = [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['q'] }];
    expect(message(() => parseInferRequest({ inputs, outputs: [{ name: 'x' }] }, undefined, textMeta, limits))).toBe(
      'unknown output "x"; the model\'s outputs are "scores" FP32 [-1,3]',
    );
    expect(message(() => parseInferRequest({ inputs, outputs: [{ name: 'scores' }, { name: 'scores' }] }, undefined, textMeta, limits))).toBe(
      'output "scores" is requested more than once',
    );
    expect(message(() => parseInferRequest({ inputs, outputs: [{ name: 'scores', parameters: { classification: 0 } }] }, undefined, textMeta, limits))).toMatch(
      /positive integer/,
    );
    expect(message(() => parseInferRequest({ inputs, outputs: [{ name: 'scores', parameters: { binary_data: 1 } }] }, undefined, textMeta, limits))).toMatch(
      /binary_data must be true or false/,
    );
    expect(
      message(() =>
        parseInferRequest(
          { inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: ['x'] }], outputs: [{ name: 'label', parameters: { classification: 1 } }] },
          undefined,
          imageMeta,
          limits,
        ),
      ),
    ).toMatch(/output "label" is BYTES; classification needs a numeric output/);
    expect(message(() => parseInferRequest({ inputs, outputs: {} }, undefined, textMeta, limits))).toMatch(/"outputs" must be an array/);
    expect(parseInferRequest({ inputs, outputs: [] }, undefined, textMeta, limits).outputs).toBeUndefined();
  });

  it('does not let a "__proto__" parameter change any prototype', () => {
    const json = JSON.parse('{"inputs":[{"name":"text","shape":[1],"datatype":"BYTES","data":["q"]}],"parameters":{"__proto__":"x","a":1}}') as unknown;
    const req = parseInferRequest(json, undefined, textMeta, limits);
    expect(Object.getPrototypeOf(req.parameters)).toBe(Object.prototype);
    expect(Object.keys(req.parameters)).toEqual(['__proto__', 'a']);
  });
});

describe('binary framing', () => {
  const pixels = new Float32Array(12).map((_, i) => i / 2);
  const pixelBytes = Buffer.from(pixels.buffer);

  it('takes inputs from the binary section in JSON order, mixed with JSON inputs', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(jpeg.length);
    const { body, headerLength } = framed(
      {
        inputs: [
          { name: 'pixels', shape: [1, 3, 2, 2], datatype: 'FP32', parameters: { binary_data_size: 48 } },
          { name: 'image', shape: [1], datatype: 'BYTES', parameters: { binary_data_size: 8 } },
        ],
      },
      pixelBytes,
      len,
      jpeg,
    );
    // Sent as application/json: the header decides, not the content type.
    const req = parseInferBody(body, { 'inference-header-content-length': String(headerLength), 'content-type': 'application/json' }, imageMeta, limits);
    expect(Array.from(req.inputs[0]!.data as Float32Array)).toEqual(Array.from(pixels));
    expect(req.inputs[0]!.parameters).toBeUndefined();
    expect(Array.from((req.inputs[1]!.data as Uint8Array[])[0]!)).toEqual([0xff, 0xd8, 0xff, 0xe0]);
  });

  it('requires the binary sizes to add up to the binary section exactly', () => {
    const header = { inputs: [{ name: 'pixels', shape: [1, 3, 2, 2], datatype: 'FP32', parameters: { binary_data_size: 48 } }] };
    const short = framed(header, pixelBytes.subarray(0, 40));
    expect(message(() => parseInferBody(short.body, { 'inference-header-content-length': String(short.headerLength) }, imageMeta, limits))).toBe(
      "the binary part of the body is 40 bytes, but the inputs' binary_data_size add up to 48",
    );
    const extra = framed(header, pixelBytes, Buffer.alloc(3));
    expect(message(() => parseInferBody(extra.body, { 'inference-header-content-length': String(extra.headerLength) }, imageMeta, limits))).toMatch(
      /51 bytes, but .* 48/,
    );
    const wrongSize = framed({ inputs: [{ ...header.inputs[0], parameters: { binary_data_size: 44 } }] }, pixelBytes.subarray(0, 44));
    expect(message(() => parseInferBody(wrongSize.body, { 'inference-header-content-length': String(wrongSize.headerLength) }, imageMeta, limits))).toBe(
      'input "pixels": FP32 shape [1,3,2,2] needs 48 bytes of binary data (12 × 4), got 44',
    );
    const both = framed({ inputs: [{ ...header.inputs[0], data: [1] }] }, pixelBytes);
    expect(message(() => parseInferBody(both.body, { 'inference-header-content-length': String(both.headerLength) }, imageMeta, limits))).toMatch(
      /both "data" and parameters.binary_data_size/,
    );
    expect(message(() => parseInferRequest(header, undefined, imageMeta, limits))).toMatch(/no Inference-Header-Content-Length header/);
    const negative = framed({ inputs: [{ ...header.inputs[0], parameters: { binary_data_size: -4 } }] });
    expect(message(() => parseInferBody(negative.body, { 'inference-header-content-length': String(negative.headerLength) }, imageMeta, limits))).toMatch(
      /binary_data_size must be a non-negative integer/,
    );
  });

  it('reports bad JSON in the header part as a 400', () => {
    const body = Buffer.from('{"inputs": [xyz');
    expect(message(() => parseInferBody(body, {}, imageMeta, limits))).toMatch(/^the inference request is not valid JSON/);
    expect(message(() => parseInferBody(Buffer.from('{"a":1}rest'), { 'inference-header-content-length': '5' }, imageMeta, limits))).toMatch(
      /^the inference request header is not valid JSON/,
    );
    expect(message(() => parseInferBody(undefined, {}, imageMeta, limits))).toMatch(/is empty/);
  });
});

describe('raw binary mode', () => {
  it('feeds the whole body to the BYTES "image" input of a model with several inputs', () => {
    const body = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    for (const headers of [{ 'inference-header-content-length': '0' }, { 'content-type': 'image/png' }]) {
      const req = parseInferBody(body, headers, imageMeta, limits);
      expect(req.binaryOutput).toBe(true);
      expect(req.inputs).toHaveLength(1);
      expect(req.inputs[0]).toMatchObject({ name: 'image', datatype: 'BYTES', shape: [1] });
      expect((req.inputs[0]!.data as Uint8Array[])[0]).toBe(body);
    }
  });

  it('deduces the one variable dimension of a single fixed-size input', () => {
    const meta: ModelMetadata = { ...imageMeta, inputs: [{ name: 'pixels', datatype: 'FP32', shape: [-1, 3, 2, 2] }] };
    const req = parseRawRequest(Buffer.alloc(96), meta, limits);
    expect(req.inputs[0]!.shape).toEqual([2, 3, 2, 2]);
    expect(message(() => parseRawRequest(Buffer.alloc(50), meta, limits))).toBe('input "pixels" FP32 [-1,3,2,2] needs a multiple of 48 bytes; the body has 50');
    const twoVariable: ModelMetadata = { ...imageMeta, inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }] };
    expect(message(() => parseRawRequest(Buffer.alloc(8), twoVariable, limits))).toMatch(/at most one variable dimension/);
  });

  it('refuses models it cannot map a raw body to', () => {
    const meta: ModelMetadata = {
      ...imageMeta,
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1] },
        { name: 'b', datatype: 'FP32', shape: [-1] },
      ],
    };
    expect(message(() => parseRawRequest(Buffer.alloc(4), meta, limits))).toMatch(/needs a model with one input or a BYTES input named "image"/);
    expect(message(() => parseInferBody(Buffer.alloc(0), { 'inference-header-content-length': '0' }, imageMeta, limits))).toMatch(/non-empty body/);
  });
});
