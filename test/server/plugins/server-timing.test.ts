import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTimingHeader } from '../../../src/server/plugins/server-timing.js';
import { makeFaqRepo, makeVisionRepo } from '../../helpers/models.js';
import { postJson, startTestServer, type TestServer } from '../../helpers/server.js';

/** `Server-Timing` on every inference answer, with the phases measured where they happen. */
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'images');
let dir: string;
let server: TestServer;
let jpeg: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-timing-'));
  await makeVisionRepo(dir, { name: 'resnet' });
  await makeFaqRepo(dir);
  server = await startTestServer(dir);
  jpeg = await readFile(join(FIXTURES, 'dog.jpg'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `decode;dur=1.5, inference;dur=2` → { decode: 1.5, inference: 2 } */
function phases(header: string | null): Record<string, number> {
  expect(header).toBeTruthy();
  return Object.fromEntries(
    header!.split(',').map((entry) => {
      const [name, dur] = entry.trim().split(';dur=');
      expect(dur).toMatch(/^\d+\.\d\d$/);
      return [name!, Number(dur)];
    }),
  );
}

describe('Server-Timing', () => {
  it('formats the phases in order, total last', () => {
    expect(serverTimingHeader({ inference: 2, decode: 0.5, queue: 0.25 }, 3.333)).toBe('decode;dur=0.50, queue;dur=0.25, inference;dur=2.00, total;dur=3.33');
  });

  it('FAQ answers: decode, preprocess (vectorising), inference, total', async () => {
    for (const [url, body] of [
      ['/v1/faq/match', { question: 'where is my card?' }],
      ['/score', { input: 'where is my card?' }],
    ] as const) {
      const r = await postJson(`${server.url}${url}`, body);
      expect(r.status).toBe(200);
      const p = phases(r.headers.get('server-timing'));
      expect(Object.keys(p)).toEqual(['decode', 'preprocess', 'inference', 'total']);
      expect(p.total).toBeGreaterThanOrEqual(p.preprocess! + p.inference! - 0.02);
    }
  });

  it('image answers: decode, preprocess, queue, inference, total — raw, base64 and OIP bodies', async () => {
    const raw = await fetch(`${server.url}/v1/images/classify?model=resnet`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    expect(raw.status).toBe(200);
    const b64 = await postJson(`${server.url}/models/resnet/score`, { input: { a: jpeg.toString('base64') } });
    expect(b64.status).toBe(200);
    // OIP binary extension, raw single input: the encoded image is the whole body.
    const oip = await fetch(`${server.url}/v2/models/resnet/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' },
      body: jpeg,
    });
    expect(oip.status).toBe(200);
    for (const headers of [raw.headers, b64.headers, oip.headers]) {
      expect(Object.keys(phases(headers.get('server-timing')))).toEqual(['decode', 'preprocess', 'queue', 'inference', 'total']);
    }
  });

  it('OIP tensor inference on the FAQ model reports its phases', async () => {
    const r = await postJson(`${server.url}/v2/models/faq/infer`, { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['lost my card'] }] });
    expect(r.status).toBe(200);
    expect(Object.keys(phases(r.headers.get('server-timing')))).toEqual(['decode', 'preprocess', 'inference', 'total']);
  });

  it('is absent where no model ran: health, metadata, and refused requests', async () => {
    for (const url of ['/healthz', '/v2/models/faq']) {
      expect((await fetch(`${server.url}${url}`)).headers.get('server-timing')).toBeNull();
    }
    const bad = await postJson(`${server.url}/v1/faq/match`, { question: '' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('server-timing')).toBeNull();
  });
});
