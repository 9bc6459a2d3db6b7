import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageClassifierKind } from '../../../src/tasks/vision/classifier.js';
import { makeVisionRepo } from '../../helpers/vision-models.js';
import { echoKind, makeEchoRepo } from './echo-model.js';
import { binaryOutputs, bytesBlob, call, floats, framed, startV2Server, type V2Server } from './http.js';

/**
 * The Open Inference Protocol over HTTP against the real server with the
 * real image model (a small seeded ResNet) and an identity model that carries
 * the datatypes the image model does not take.
 */
const dog = readFileSync(new URL('../../fixtures/images/dog.jpg', import.meta.url));
const eagle = readFileSync(new URL('../../fixtures/images/eagle.jpg', import.meta.url));

let server: V2Server;
let url: string;

beforeAll(async () => {
  server = await startV2Server(
    [imageClassifierKind, echoKind],
    async (dir) => {
      await makeVisionRepo(dir);
      await makeEchoRepo(dir);
    },
    { bodyLimitBytes: 8 * 1024 * 1024 },
  );
  url = server.url;
});
afterAll(async () => {
  await server?.stop();
});

const infer = (body: unknown, path = '/v2/models/resnet/infer', headers: Record<string, string> = {}) =>
  call(`${url}${path}`, { method: 'POST', body: body as object, headers });

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** A deterministic FP32 image tensor [1,3,224,224]. */
function pixels(): Float32Array {
  const data = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * 2;
  return data;
}

describe('metadata and readiness', () => {
  it('GET /v2 describes the server and its extensions', async () => {
    const r = await call(`${url}/v2`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      name: 'rtscore',
      version: '9.9.9',
      extensions: ['binary_tensor_data', 'classification', 'model_repository', 'statistics', 'model_configuration', 'schedule_policy'],
    });
  });

  it('GET /v2/models lists the models', async () => {
    const r = await call(`${url}/v2/models`);
    expect(r.json).toEqual({ models: ['echo', 'resnet'] });
  });

  it('model metadata has platform, versions, and inputs/outputs with -1 batch dimensions', async () => {
    const r = await call(`${url}/v2/models/resnet`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      name: 'resnet',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] },
        { name: 'image', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 1000] },
        { name: 'logits', datatype: 'FP32', shape: [-1, 1000] },
      ],
    });
    expect(r.json.properties).toMatchObject({ kind: 'image-classifier', max_batch_size: '4', 'labels.probabilities': '1000', weights: 'random' });
    expect(r.json.properties.weightsNote).toMatch(/not trained/);
    const v1 = await call(`${url}/v2/models/resnet/versions/1`);
    expect(v1.status).toBe(200);
    expect(v1.json).toEqual(r.json);
  });

  it('unknown models and versions are 404 with {"error"}', async () => {
    for (const path of ['/v2/models/nope', '/v2/models/resnet/versions/7', '/v2/models/nope/ready', '/v2/models/resnet/versions/7/ready']) {
      const r = await call(`${url}${path}`);
      expect(r.status, path).toBe(404);
      expect(typeof r.json.error, path).toBe('string');
      expect(Object.keys(r.json)).toEqual(['error']);
    }
    const r = await infer({ inputs: [] }, '/v2/models/resnet/versions/2/infer');
    expect(r.status).toBe(404);
    expect(r.json.error).toMatch(/no served version "2"/);
  });

  it('every route is in the OpenAPI document with a tag and a summary', async () => {
    const doc = (await call(`${url}/openapi.json`)).json;
    const expected: [string, string, string][] = [
      ['get', '/v2', 'v2'],
      ['get', '/v2/models', 'v2'],
      ['get', '/v2/models/{name}', 'v2'],
      ['get', '/v2/models/{name}/versions/{version}', 'v2'],
      ['get', '/v2/models/{name}/ready', 'v2'],
      ['get', '/v2/models/{name}/versions/{version}/ready', 'v2'],
      ['post', '/v2/models/{name}/infer', 'v2'],
      ['post', '/v2/models/{name}/versions/{version}/infer', 'v2'],
      ['post', '/v2/repository/index', 'repository'],
      ['post', '/v2/repository/models/{name}/load', 'repository'],
      ['post', '/v2/repository/models/{name}/unload', 'repository'],
    ];
    for (const [method, path, tag] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual([tag]);
      expect(op.summary.length).toBeGreaterThan(5);
    }
    expect(Object.keys(doc.paths['/v2/models/{name}/infer'].post.requestBody.content)).toEqual(['application/json', 'application/octet-stream']);
  });

  it('model ready answers 200 {"name","ready":true}', async () => {
    for (const path of ['/v2/models/resnet/ready', '/v2/models/resnet/versions/1/ready']) {
      const r = await call(`${url}${path}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ name: 'resnet', ready: true });
    }
  });
});

describe('image inference', () => {
  it('classifies an encoded image sent as base64 BYTES, echoing the id', async () => {
    const r = await infer({
      id: 'req-1',
      inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: [dog.toString('base64')], parameters: { content_type: 'base64' } }],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json).toMatchObject({ model_name: 'resnet', model_version: '1', id: 'req-1' });
    const [out] = r.json.outputs;
    expect(out).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [1, 1000] });
    expect(out.data).toHaveLength(1000);
    const sum = (out.data as number[]).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4);
  });

  it('returns top-k labels with the classification parameter, consistent with the scores', async () => {
    const image = {
      name: 'image',
      shape: [2, 1],
      datatype: 'BYTES',
      data: [[dog.toString('base64')], [eagle.toString('base64')]],
      parameters: { content_type: 'base64' },
    };
    const scores = await infer({ inputs: [image], outputs: [{ name: 'logits' }, { name: 'probabilities' }] });
    expect(scores.status, scores.body.toString().slice(0, 300)).toBe(200);
    expect(scores.json.outputs.map((o: { name: string }) => o.name)).toEqual(['logits', 'probabilities']);
    const probs = Float32Array.from(scores.json.outputs[1].data as number[]);
    const r = await infer({ inputs: [image], outputs: [{ name: 'probabilities', parameters: { classification: 3 } }] });
    expect(r.status).toBe(200);
    const [out] = r.json.outputs;
    expect(out).toMatchObject({ name: 'probabilities', datatype: 'BYTES', shape: [2, 3] });
    const labels = readFileSync(new URL('../../../data/imagenet/labels.txt', import.meta.url), 'utf8');
    for (let row = 0; row < 2; row++) {
      const rowProbs = probs.subarray(row * 1000, (row + 1) * 1000);
      const [score, index, label] = splitClass(out.data[row * 3]);
      expect(Number(index)).toBe(argmax(rowProbs));
      expect(Number(score)).toBeCloseTo(rowProbs[Number(index)]!, 5);
      expect(label).toBe(labels.split('\n')[Number(index)]!.trim());
      const next = splitClass(out.data[row * 3 + 1]);
      expect(Number(next[0])).toBeLessThanOrEqual(Number(score));
    }
  });

  it('takes encoded images as binary BYTES and returns binary outputs when asked', async () => {
    const req = framed(
      {
        inputs: [{ name: 'image', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: dog.length + eagle.length + 8 } }],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'logits' }],
      },
      bytesBlob(dog, eagle),
    );
    const r = await call(`${url}/v2/models/resnet/infer`, { method: 'POST', body: req.body, headers: req.headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    const blobs = binaryOutputs(r);
    expect(r.json.outputs[0]).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [2, 1000], parameters: { binary_data_size: 8000 } });
    expect(r.json.outputs[1].data).toHaveLength(2000);
    const probs = floats(blobs.get('probabilities')!);
    expect(probs.subarray(0, 1000).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    // Same answer as the JSON route.
    const json = await infer({
      inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: [dog.toString('base64')], parameters: { content_type: 'base64' } }],
    });
    expect(argmax(probs.subarray(0, 1000))).toBe(argmax(Float32Array.from(json.json.outputs[0].data as number[])));
  });

  it('takes a preprocessed FP32 tensor through the binary extension and as JSON, with the same result', async () => {
    const data = pixels();
    const req = framed(
      {
        id: 'bin',
        parameters: { binary_data_output: true },
        inputs: [{ name: 'input', shape: [1, 3, 224, 224], datatype: 'FP32', parameters: { binary_data_size: data.byteLength } }],
        outputs: [{ name: 'logits' }],
      },
      Buffer.from(data.buffer),
    );
    // Some clients send the framed body as application/json: the header decides.
    const binary = await call(`${url}/v2/models/resnet/infer`, {
      method: 'POST',
      body: req.body,
      headers: { ...req.headers, 'content-type': 'application/json' },
    });
    expect(binary.status).toBe(200);
    expect(binary.json.id).toBe('bin');
    const logits = floats(binaryOutputs(binary).get('logits')!);
    expect(logits).toHaveLength(1000);
    const json = await infer({ inputs: [{ name: 'input', shape: [1, 3, 224, 224], datatype: 'FP32', data: Array.from(data) }], outputs: [{ name: 'logits' }] });
    expect(json.status).toBe(200);
    const fromJson = Float32Array.from(json.json.outputs[0].data as number[]);
    expect(Array.from(fromJson)).toEqual(Array.from(logits));
  });

  it('raw binary mode: the body is one encoded image (header 0, or an image/* content type)', async () => {
    const viaHeader = await call(`${url}/v2/models/resnet/infer`, {
      method: 'POST',
      body: dog,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' },
    });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.json.outputs[0]).toMatchObject({ name: 'probabilities', shape: [1, 1000], parameters: { binary_data_size: 4000 } });
    const viaType = await call(`${url}/v2/models/resnet/infer`, { method: 'POST', body: dog, headers: { 'content-type': 'image/jpeg' } });
    expect(viaType.status).toBe(200);
    expect(binaryOutputs(viaType).get('probabilities')!.equals(binaryOutputs(viaHeader).get('probabilities')!)).toBe(true);
    const notImage = await call(`${url}/v2/models/resnet/infer`, {
      method: 'POST',
      body: Buffer.from('hello'),
      headers: { 'inference-header-content-length': '0' },
    });
    expect(notImage.status).toBe(400);
  });
});

describe('invalid requests are 400s that say what was expected', () => {
  const ok = { name: 'input', shape: [1, 3, 224, 224], datatype: 'FP32' };
  const cases: [string, unknown, RegExp][] = [
    ['wrong datatype', { inputs: [{ ...ok, datatype: 'FP64', data: [1] }] }, /input "input" must be FP32, got FP64/],
    [
      'wrong shape',
      { inputs: [{ ...ok, shape: [1, 224, 224, 3], data: [1] }] },
      /input "input" must have shape \[-1,3,224,224\] \(-1 = any size\), got \[1,224,224,3\]/,
    ],
    ['wrong element count', { inputs: [{ ...ok, data: [1, 2, 3] }] }, /shape \[1,3,224,224\] needs 150528 elements, but "data" holds 3/],
    [
      'unknown input',
      { inputs: [{ ...ok, name: 'pixels', data: [1] }] },
      /unknown input "pixels"; the model's inputs are "input" FP32 \[-1,3,224,224\], "image" BYTES \[-1\]/,
    ],
    ['unknown output', { inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: ['x'] }], outputs: [{ name: 'scores' }] }, /unknown output "scores"/],
    [
      'duplicate output',
      { inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: ['x'] }], outputs: [{ name: 'logits' }, { name: 'logits' }] },
      /output "logits" is requested more than once/,
    ],
    ['bad base64', { inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: ['**'], parameters: { content_type: 'base64' } }] }, /not valid base64/],
    ['not an image', { inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: ['plain text'] }] }, /image/i],
    ['no inputs', { inputs: [] }, /"inputs" must be a non-empty array/],
    ['negative dimension', { inputs: [{ ...ok, shape: [-1, 3, 224, 224], data: [] }] }, /non-negative integers/],
  ];
  for (const [what, body, message] of cases) {
    it(what, async () => {
      const r = await infer(body);
      expect(r.status).toBe(400);
      expect(Object.keys(r.json)).toEqual(['error']);
      expect(r.json.error).toMatch(message);
    });
  }

  it('malformed JSON', async () => {
    const r = await call(`${url}/v2/models/resnet/infer`, { method: 'POST', body: '{"inputs": [', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/not valid JSON/);
  });

  it('data nested a hundred thousand levels deep', async () => {
    const deep = `{"inputs":[{"name":"input","shape":[1,3,224,224],"datatype":"FP32","data":${'['.repeat(100_000)}1${']'.repeat(100_000)}}]}`;
    const r = await call(`${url}/v2/models/resnet/infer`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    // Refused by the JSON depth bound before the shape check (server/json.ts).
    expect(r.json.error).toMatch(/deeper than 100 levels/);
  });

  it('binary sizes that do not add up', async () => {
    const data = Buffer.alloc(3 * 224 * 224 * 4);
    const short = framed({ inputs: [{ ...ok, parameters: { binary_data_size: data.length } }] }, data.subarray(8));
    let r = await call(`${url}/v2/models/resnet/infer`, { method: 'POST', body: short.body, headers: short.headers });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/binary part of the body is 602104 bytes, but the inputs' binary_data_size add up to 602112/);
    const wrong = framed({ inputs: [{ ...ok, parameters: { binary_data_size: 16 } }] }, Buffer.alloc(16));
    r = await call(`${url}/v2/models/resnet/infer`, { method: 'POST', body: wrong.body, headers: wrong.headers });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/needs 602112 bytes of binary data \(150528 × 4\), got 16/);
    r = await call(`${url}/v2/models/resnet/infer`, {
      method: 'POST',
      body: short.body,
      headers: { ...short.headers, 'inference-header-content-length': String(short.body.length + 1) },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/Inference-Header-Content-Length is \d+ but the body has only/);
  });

  it('a body over the size limit is 413', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024);
    const r = await call(`${url}/v2/models/resnet/infer`, {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' },
    });
    expect(r.status).toBe(413);
    expect(typeof r.json.error).toBe('string');
  });

  it('the server is still live and serving afterwards', async () => {
    expect((await call(`${url}/v2/health/live`)).status).toBe(200);
    expect((await call(`${url}/v2/models/resnet/ready`)).status).toBe(200);
  });
});

describe('datatypes end to end (identity model)', () => {
  const echo = (body: unknown, headers: Record<string, string> = {}) => infer(body, '/v2/models/echo/infer', headers);

  it('INT64 and UINT64 round-trip exactly, as JSON numbers', async () => {
    const r = await echo({
      inputs: [
        { name: 'i64', shape: [3], datatype: 'INT64', data: [-5, '9223372036854775807', '-9223372036854775808'] },
        { name: 'u64', shape: [1], datatype: 'UINT64', data: ['18446744073709551615'] },
      ],
    });
    expect(r.status).toBe(200);
    const text = r.body.toString('utf8');
    expect(text).toContain('"data":[-5,9223372036854775807,-9223372036854775808]');
    expect(text).toContain('"data":[18446744073709551615]');
  });

  it('BOOL as JSON booleans; BYTES as strings', async () => {
    const r = await echo({
      inputs: [
        { name: 'flags', shape: [3], datatype: 'BOOL', data: [true, false, true] },
        { name: 'text', shape: [2], datatype: 'BYTES', data: ['héllo', 'wörld'] },
      ],
    });
    expect(r.json.outputs).toEqual([
      { name: 'flags_out', datatype: 'BOOL', shape: [3], data: [true, false, true] },
      { name: 'text_out', datatype: 'BYTES', shape: [2], data: ['héllo', 'wörld'] },
    ]);
  });

  it('FP16 is accepted as JSON numbers and as binary', async () => {
    const asNumbers = await echo({ inputs: [{ name: 'half', shape: [2], datatype: 'FP16', data: [1, -2] }] });
    expect(asNumbers.status).toBe(200);
    expect(asNumbers.json.outputs.find((o: { name: string }) => o.name === 'half_out').data).toEqual([1, -2]);
    const half = Buffer.from(new Uint16Array([0x3c00, 0xc000]).buffer);
    const req = framed(
      {
        inputs: [{ name: 'half', shape: [2], datatype: 'FP16', parameters: { binary_data_size: 4 } }],
        outputs: [{ name: 'half_out', parameters: { binary_data: true } }],
      },
      half,
    );
    const r = await call(`${url}/v2/models/echo/infer`, { method: 'POST', body: req.body, headers: req.headers });
    expect(r.status).toBe(200);
    expect(binaryOutputs(r).get('half_out')!.equals(half)).toBe(true);
    // And as JSON output it is decoded to numbers.
    const asJson = framed({ inputs: [{ name: 'half', shape: [2], datatype: 'FP16', parameters: { binary_data_size: 4 } }] }, half);
    const j = await call(`${url}/v2/models/echo/infer`, { method: 'POST', body: asJson.body, headers: asJson.headers });
    expect(j.json.outputs[0].data).toEqual([1, -2]);
  });

  it('BYTES output that is not UTF-8 comes back base64, flagged', async () => {
    const r = await echo({ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['//79'], parameters: { content_type: 'base64' } }] });
    expect(r.json.outputs[0]).toEqual({ name: 'text_out', datatype: 'BYTES', shape: [1], parameters: { content_type: 'base64' }, data: ['//79'] });
  });

  it('classification uses the labels of the output', async () => {
    const r = await echo({
      inputs: [
        {
          name: 'scores',
          shape: [2, 3],
          datatype: 'FP32',
          data: [
            [0.1, 0.7, 0.2],
            [0.5, 0.2, 0.3],
          ],
        },
      ],
      outputs: [{ name: 'scores_out', parameters: { classification: 2 } }],
    });
    expect(r.json.outputs).toEqual([{ name: 'scores_out', datatype: 'BYTES', shape: [2, 2], data: ['0.7:1:bee', '0.2:2:cat', '0.5:0:ant', '0.3:2:cat'] }]);
  });
});

function splitClass(value: string): [string, string, string] {
  const first = value.indexOf(':');
  const second = value.indexOf(':', first + 1);
  return [value.slice(0, first), value.slice(first + 1, second), value.slice(second + 1)];
}
