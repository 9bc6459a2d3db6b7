import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faqMatcherKind } from '../../../src/tasks/faq/matcher.js';
import { makeFaqRepo, TEST_FAQ_COUNT } from '../../helpers/faq-models.js';
import { binaryOutputs, bytesBlob, call, floats, framed, startV2Server, type V2Server } from './http.js';

/**
 * The Open Inference Protocol with the real FAQ model: BYTES questions in,
 * match probabilities (and the best FAQ's id) out; classification gives the
 * top FAQs by id. Also a reload of the real model under traffic.
 */
let server: V2Server;
let url: string;
// The fixture's FAQ count, so that the metadata test checks the model against it.
const faqCount = TEST_FAQ_COUNT;
let labels: string[];

beforeAll(async () => {
  server = await startV2Server([faqMatcherKind], (dir) => makeFaqRepo(dir));
  url = server.url;
  const lease = server.registry.acquire('faq');
  labels = lease.model.metadata.labels!.probabilities!;
  lease.release();
});
afterAll(async () => {
  await server?.stop();
});

const questions = ['how do I reset my password', 'where can I see my balance'];
const infer = (body: unknown, path = '/v2/models/faq/infer') => call(`${url}${path}`, { method: 'POST', body: body as object });

describe('FAQ model over the Open Inference Protocol', () => {
  it('metadata: a BYTES text input, probabilities over the FAQs and the best label', async () => {
    const r = await call(`${url}/v2/models/faq`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      name: 'faq',
      versions: ['1'],
      platform: 'rtscore_text',
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, faqCount] },
        { name: 'label', datatype: 'BYTES', shape: [-1] },
      ],
    });
    expect(faqCount).toBeGreaterThan(1);
  });

  it('the same answer for flat [n], nested [n,1] and explicit content_type "str"', async () => {
    const flat = await infer({ inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: questions }] });
    const nested = await infer({ inputs: [{ name: 'text', shape: [2, 1], datatype: 'BYTES', data: questions.map((q) => [q]) }] });
    const str = await infer({ inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: questions, parameters: { content_type: 'str' } }] });
    for (const r of [flat, nested, str]) {
      expect(r.status).toBe(200);
      expect(r.json.model_name).toBe('faq');
      expect(r.json.model_version).toBe('1');
    }
    const [probs, label] = flat.json.outputs;
    expect(probs).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, faqCount] });
    expect(label).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [2] });
    const row0 = (probs.data as number[]).slice(0, faqCount);
    expect(row0.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(label.data[0]).toBe(labels[row0.indexOf(Math.max(...row0))]);
    expect(nested.json.outputs).toEqual(flat.json.outputs);
    expect(str.json.outputs).toEqual(flat.json.outputs);
  });

  it('classification returns the top FAQs as "<score>:<index>:<id>"', async () => {
    const scores = await infer({ inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: questions }], outputs: [{ name: 'probabilities' }] });
    const r = await infer({
      id: 'faq-1',
      inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: questions }],
      outputs: [{ name: 'probabilities', parameters: { classification: 3 } }],
    });
    expect(r.status).toBe(200);
    expect(r.json.id).toBe('faq-1');
    const [out] = r.json.outputs;
    expect(out).toMatchObject({ name: 'probabilities', datatype: 'BYTES', shape: [2, 3] });
    const probs = scores.json.outputs[0].data as number[];
    for (let row = 0; row < 2; row++) {
      const rowProbs = probs.slice(row * faqCount, (row + 1) * faqCount);
      const ranked = rowProbs
        .map((p, i) => [p, i] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, 3);
      const got = (out.data as string[]).slice(row * 3, row * 3 + 3).map((s) => {
        const [score, index, ...rest] = s.split(':');
        return { score: Number(score), index: Number(index), label: rest.join(':') };
      });
      expect(got.map((g) => g.index)).toEqual(ranked.map(([, i]) => i));
      got.forEach((g, i) => {
        expect(g.score).toBeCloseTo(ranked[i]![0], 6);
        expect(g.label).toBe(labels[g.index]);
      });
    }
  });

  it('questions as binary BYTES, outputs as binary', async () => {
    const req = framed(
      {
        inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: bytesBlob(...questions).length } }],
        outputs: [
          { name: 'probabilities', parameters: { binary_data: true } },
          { name: 'label', parameters: { binary_data: true } },
        ],
      },
      bytesBlob(...questions),
    );
    const r = await call(`${url}/v2/models/faq/infer`, { method: 'POST', body: req.body, headers: req.headers });
    expect(r.status).toBe(200);
    const blobs = binaryOutputs(r);
    expect(floats(blobs.get('probabilities')!)).toHaveLength(2 * faqCount);
    const json = await infer({ inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: questions }] });
    expect(Array.from(floats(blobs.get('probabilities')!))).toEqual(json.json.outputs[0].data);
    expect(blobs.get('label')!.equals(bytesBlob(...(json.json.outputs[1].data as string[])))).toBe(true);
  });

  it('raw binary mode: the body is one question', async () => {
    const r = await call(`${url}/v2/models/faq/infer`, {
      method: 'POST',
      body: Buffer.from(questions[0]!),
      headers: { 'inference-header-content-length': '0' },
    });
    expect(r.status).toBe(200);
    expect(r.json.outputs[0]).toMatchObject({ name: 'probabilities', shape: [1, faqCount] });
  });

  it('mismatches are 400s naming what the model expects', async () => {
    const cases: [unknown, RegExp][] = [
      [{ inputs: [{ name: 'text', shape: [1], datatype: 'FP32', data: [1] }] }, /input "text" must be BYTES, got FP32/],
      [
        { inputs: [{ name: 'text', shape: [2, 2], datatype: 'BYTES', data: ['a', 'b', 'c', 'd'] }] },
        /input "text" must have shape \[-1\] \(-1 = any size\), got \[2,2\]/,
      ],
      [{ inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', data: questions }] }, /shape \[3\] needs 3 elements, but "data" holds 2/],
      [{ inputs: [{ name: 'question', shape: [1], datatype: 'BYTES', data: ['x'] }] }, /unknown input "question"; the model's inputs are "text" BYTES \[-1\]/],
      [{ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [5] }] }, /element 0 must be a string \(BYTES\), got 5/],
      [{ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['   '] }] }, /empty/],
    ];
    for (const [body, message] of cases) {
      const r = await infer(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
  });

  it('reloading a new version under traffic drops no request', async () => {
    let stop = false;
    const seen: { status: number; version?: string }[] = [];
    const client = async () => {
      while (!stop) {
        const r = await infer({ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [questions[0]] }], outputs: [{ name: 'label' }] });
        seen.push({ status: r.status, version: r.json?.model_version });
      }
    };
    const clients = Promise.all([client(), client(), client()]);
    // Waits on answers, not on the clock, so a busy machine cannot starve a phase.
    const until = async (ok: () => boolean) => {
      const deadline = performance.now() + 20_000;
      while (!ok() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => seen.length >= 10);
    await cp(join(server.dir, 'faq', '1'), join(server.dir, 'faq', '2'), { recursive: true });
    const load = await call(`${url}/v2/repository/models/faq/load`, { method: 'POST' });
    expect(load.status).toBe(200);
    await until(() => seen.filter((x) => x.version === '2').length >= 10);
    stop = true;
    await clients;
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(new Set(seen.map((s) => s.version))).toEqual(new Set(['1', '2']));
    expect((await call(`${url}/v2/models/faq`)).json.versions).toEqual(['2']);
  });
});
