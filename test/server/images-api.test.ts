import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo, makeVisionRepo } from '../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'images');
let dir: string;
let server: TestServer;
let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-img-api-'));
  await makeVisionRepo(dir, { name: 'resnet152' });
  await makeFaqRepo(dir);
  server = await startTestServer(dir, { bodyLimitBytes: 2 * 1024 * 1024, maxImagePixels: 4_000_000, maxImagesPerRequest: 4 });
  jpeg = await readFile(join(FIXTURES, 'dog.jpg'));
  png = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function expectPredictions(preds: any[], k: number) {
  expect(preds).toHaveLength(k);
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i];
    expect(Number.isInteger(p.index)).toBe(true);
    expect(p.wnid).toMatch(/^n\d{8}$/);
    expect(typeof p.label).toBe('string');
    expect(p.probability).toBeGreaterThanOrEqual(0);
    expect(p.probability).toBeLessThanOrEqual(1);
    if (i > 0) expect(preds[i - 1].probability).toBeGreaterThanOrEqual(p.probability);
  }
}

async function postRaw(path: string, body: Buffer, type: string) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, json: (await res.json()) as any };
}

describe('image classification over HTTP', () => {
  it('classifies a raw JPEG body with 5 predictions by default', async () => {
    const r = await postRaw('/v1/images/classify?model=resnet152', jpeg, 'image/jpeg');
    expect(r.status).toBe(200);
    expect(r.json.model).toBe('resnet152');
    expect(r.json.version).toBe('1');
    expect(r.json.results).toHaveLength(1);
    expectPredictions(r.json.results[0].predictions, 5);
  });

  it('uses the only image model when none is named, and honours topK', async () => {
    const r = await postRaw('/v1/images/classify?topK=3', png, 'image/png');
    expect(r.status).toBe(200);
    expectPredictions(r.json.results[0].predictions, 3);
    const same = await postRaw('/v1/images/classify?topK=3', png, 'application/octet-stream');
    expect(same.json.results[0].predictions).toEqual(r.json.results[0].predictions);
  });

  it('accepts multipart/form-data with several files, answering per file', async () => {
    const form = new FormData();
    form.append('files', new Blob([jpeg], { type: 'image/jpeg' }), 'dog.jpg');
    form.append('files', new Blob([png], { type: 'image/png' }), 'red.png');
    form.append('topK', '2');
    const res = await fetch(`${server.url}/v1/images/classify`, { method: 'POST', body: form });
    const json: any = await res.json();
    expect(res.status).toBe(200);
    expect(json.results.map((x: any) => x.name)).toEqual(['dog.jpg', 'red.png']);
    for (const x of json.results) expectPredictions(x.predictions, 2);
  });

  it('accepts JSON base64 {"image"} and {"images"}; the same image gives the same answer every way', async () => {
    const raw = await postRaw('/v1/images/classify', jpeg, 'image/jpeg');
    const one = await postJson(`${server.url}/v1/images/classify`, { image: jpeg.toString('base64') });
    const many = await postJson(`${server.url}/v1/images/classify`, { images: [png.toString('base64'), jpeg.toString('base64')], topK: 5 });
    expect(one.status).toBe(200);
    expect(many.status).toBe(200);
    expect(one.json.results[0].predictions.map((p: any) => p.index)).toEqual(raw.json.results[0].predictions.map((p: any) => p.index));
    expect(many.json.results[1].predictions.map((p: any) => p.index)).toEqual(raw.json.results[0].predictions.map((p: any) => p.index));
    for (let i = 0; i < 5; i++) {
      expect(many.json.results[1].predictions[i].probability).toBeCloseTo(raw.json.results[0].predictions[i].probability, 5);
    }
  });

  it('serves the reference /score image shape, tolerating stray quotes around the base64', async () => {
    const b64 = png.toString('base64');
    const r = await postJson(`${server.url}/score`, { input: { image: `"${b64}"`, other: b64 } });
    expect(r.status).toBe(200);
    const [out, computed] = r.json.result;
    expect(Object.keys(out)).toEqual(['image', 'other']);
    expect(out.image).toHaveLength(3);
    expect(out.image[0][0]).toMatch(/^n\d{8} /);
    expect(out.image).toEqual(out.other);
    expect(computed).toMatch(/^Computed in/);
    // a string input still reaches the FAQ model on the same server
    const faq = await postJson(`${server.url}/score`, { input: 'where is my card' });
    expect(faq.status).toBe(200);
    expect(Array.isArray(faq.json.result[0][0])).toBe(true);
    const named = await postJson(`${server.url}/models/resnet152/score`, { input: { image: b64 } });
    expect(named.json.result[0].image).toEqual(out.image);
  });

  it('runs concurrent requests through one batch and reports it in /metrics', async () => {
    await Promise.all(Array.from({ length: 4 }, () => postRaw('/v1/images/classify', png, 'image/png')));
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const m = /rtscore_batch_size_sum\{model="resnet152",version="1"\} (\d+)/.exec(text);
    const c = /rtscore_batch_size_count\{model="resnet152",version="1"\} (\d+)/.exec(text);
    expect(Number(m![1])).toBeGreaterThan(Number(c![1])); // some batch held more than one image
    expect(text).toMatch(/rtscore_preprocess_duration_seconds_count\{model="resnet152",version="1"\} [1-9]/);
    expect(text).toMatch(/rtscore_queue_wait_seconds_count\{model="resnet152",version="1"\} [1-9]/);
  });

  const cases: [string, () => Promise<{ status: number; json: any }>, number, string][] = [
    ['a text body', () => postRaw('/v1/images/classify', Buffer.from('hello'), 'text/plain'), 415, 'RTS_ERR_UNSUPPORTED_MEDIA_TYPE'],
    [
      'an SVG image',
      () => postRaw('/v1/images/classify', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 'image/svg+xml'),
      415,
      'RTS_ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'garbage bytes as a JPEG',
      () => postRaw('/v1/images/classify', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(' not really a jpeg at all')]), 'image/jpeg'),
      400,
      'RTS_ERR_BAD_IMAGE',
    ],
    ['a truncated PNG', () => postRaw('/v1/images/classify', png.subarray(0, 60), 'image/png'), 400, 'RTS_ERR_BAD_IMAGE'],
    ['an empty body', () => postRaw('/v1/images/classify', Buffer.alloc(0), 'image/png'), 400, 'RTS_ERR_INVALID_INPUT'],
    ['bad base64', () => postJson(`${server.url}/v1/images/classify`, { image: 'not*base64!' }), 400, 'RTS_ERR_INVALID_INPUT'],
    ['a non-string in images', () => postJson(`${server.url}/v1/images/classify`, { images: [1] }), 400, 'RTS_ERR_INVALID_INPUT'],
    ['JSON without an image', () => postJson(`${server.url}/v1/images/classify`, { picture: 'x' }), 400, 'RTS_ERR_INVALID_INPUT'],
    [
      'too many images',
      () => postJson(`${server.url}/v1/images/classify`, { images: Array(5).fill(png.toString('base64')) }),
      413,
      'RTS_ERR_PAYLOAD_TOO_LARGE',
    ],
    ['a body over the limit', () => postRaw('/v1/images/classify', Buffer.alloc(3 * 1024 * 1024, 1), 'image/jpeg'), 413, 'RTS_ERR_PAYLOAD_TOO_LARGE'],
    ['topK 0', () => postRaw('/v1/images/classify?topK=0', png, 'image/png'), 400, 'RTS_ERR_INVALID_INPUT'],
    ['topK over the limit', () => postRaw('/v1/images/classify?topK=5000', png, 'image/png'), 400, 'RTS_ERR_INVALID_INPUT'],
    ['a text model', () => postRaw('/v1/images/classify?model=faq', png, 'image/png'), 400, 'RTS_ERR_INVALID_INPUT'],
    ['an unknown model', () => postRaw('/v1/images/classify?model=zzz', png, 'image/png'), 404, 'RTS_ERR_MODEL_NOT_FOUND'],
    ['bad base64 in /score', () => postJson(`${server.url}/score`, { input: { image: '%%%' } }), 400, 'RTS_ERR_INVALID_INPUT'],
    [
      'a non-image in /score',
      () => postJson(`${server.url}/score`, { input: { image: Buffer.from('plain text').toString('base64') } }),
      415,
      'RTS_ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
  ];
  for (const [what, send, status, code] of cases) {
    it(`answers ${status} ${code} for ${what}`, async () => {
      const r = await send();
      expect(r.status).toBe(status);
      expect(r.json.error.code).toBe(code);
    });
  }

  it('answers 413 for an image over the pixel limit (decompression bomb)', async () => {
    const huge = await sharp({ create: { width: 4000, height: 1500, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(huge.length).toBeLessThan(2 * 1024 * 1024);
    const r = await postRaw('/v1/images/classify', huge, 'image/png');
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('RTS_ERR_PAYLOAD_TOO_LARGE');
  });

  it('stays healthy after all the bad input', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const r = await postRaw('/v1/images/classify', jpeg, 'image/jpeg');
    expect(r.status).toBe(200);
  });
});
