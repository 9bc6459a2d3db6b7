import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTextMatcher } from '../../../src/core/capabilities.js';
import { silentLogger } from '../../../src/core/logger.js';
import { defaultRuntimeSettings, type ModelLoadContext } from '../../../src/core/model.js';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import { nullObserver } from '../../../src/core/observer.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { type FaqMatcher, faqMatcherKind } from '../../../src/tasks/faq/matcher.js';
import { makeFaqRepo, TEST_FAQ_COUNT } from '../../helpers/faq-models.js';

let root: string;
let model: FaqMatcher;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function context(name: string, options: Record<string, unknown> = { topK: 3 }): Promise<ModelLoadContext> {
  const modelDir = join(root, name);
  return {
    name,
    version: '1',
    modelDir,
    versionDir: join(modelDir, '1'),
    config: modelConfigSchema.parse({ kind: 'faq-matcher', options }),
    logger: silentLogger,
    observer: nullObserver,
    settings: defaultRuntimeSettings,
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rts-faq-matcher-'));
  await makeFaqRepo(root);
  const m = await faqMatcherKind.load(await context('faq'));
  model = m as FaqMatcher;
});
afterAll(async () => {
  await model?.close();
  await rm(root, { recursive: true, force: true });
});

describe('faq-matcher model kind', () => {
  it('loads a trained version as a text matcher with metadata', async () => {
    expect(faqMatcherKind.kind).toBe('faq-matcher');
    expect(isTextMatcher(model)).toBe(true);
    expect(model.faqCount).toBe(TEST_FAQ_COUNT);
    expect(model.defaultTopK).toBe(3);
    const faqs = JSON.parse(await readFile(join(root, 'faq', '1', 'faqs.json'), 'utf8')) as { id: string }[];
    expect(model.metadata).toMatchObject({
      name: 'faq',
      version: '1',
      kind: 'faq-matcher',
      platform: 'rtscore_text',
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, TEST_FAQ_COUNT] },
        { name: 'label', datatype: 'BYTES', shape: [-1] },
      ],
      labels: { probabilities: faqs.map((f) => f.id) },
    });
    expect(model.metadata.maxBatchSize).toBeGreaterThan(1);
  });

  it('scores a request longer than its maxBatchSize in chunks, with the same scores as one by one', async () => {
    const n = model.metadata.maxBatchSize * 2 + 3;
    const questions = Array.from({ length: n }, (_, i) => `question ${i}: where is my card ${i % 7 === 0 ? 'refund' : 'arriving'}?`);
    const all = await model.scores(questions);
    expect(all).toHaveLength(n * TEST_FAQ_COUNT);
    for (const i of [0, model.metadata.maxBatchSize - 1, model.metadata.maxBatchSize, n - 1]) {
      expect(Array.from(all.subarray(i * TEST_FAQ_COUNT, (i + 1) * TEST_FAQ_COUNT))).toEqual(Array.from(await model.scores([questions[i]!])));
    }
  });

  it('ranks the right FAQ first, best first, with probabilities summing to 1', async () => {
    const [card, link] = await model.match(['My new card still has not arrived, when will it come?', 'How do I link my card in the app?'], {
      topK: TEST_FAQ_COUNT,
    });
    expect(card![0]).toMatchObject({ id: 'card_arrival', answerId: 'card_arrival', question: 'When will my new card arrive?' });
    expect(card![0]!.answer.length).toBeGreaterThan(20);
    expect(link![0]!.id).toBe('card_linking');
    for (const ranking of [card!, link!]) {
      expect(ranking).toHaveLength(TEST_FAQ_COUNT);
      for (let i = 1; i < ranking.length; i++) expect(ranking[i - 1]!.score).toBeGreaterThanOrEqual(ranking[i]!.score);
      expect(ranking.reduce((s, m) => s + m.score, 0)).toBeCloseTo(1, 4);
    }
  });

  it('honours topK (and Infinity = all)', async () => {
    expect((await model.match(['card arrival'], { topK: 2 }))[0]).toHaveLength(2);
    expect((await model.match(['card arrival'], { topK: Infinity }))[0]).toHaveLength(TEST_FAQ_COUNT);
    expect((await model.match(['card arrival'], { topK: 1000 }))[0]).toHaveLength(TEST_FAQ_COUNT);
  });

  it('scores a long batch in slices, letting the event loop run between them, with the same scores', async () => {
    // 64 questions of 1,000 characters: several slices of the ~16k-character budget.
    const long = Array.from({ length: 64 }, (_, i) => `${i} where is my card `.repeat(60).slice(0, 1000));
    let loopRan = false;
    const scored = model.scores(long).then((p) => ({ p, loopRanFirst: loopRan }));
    setImmediate(() => {
      loopRan = true;
    });
    const { p, loopRanFirst } = await scored;
    expect(loopRanFirst).toBe(true);
    // Slicing does not change a question's scores.
    const one = await model.scores([long[40]!]);
    expect(Array.from(p.subarray(40 * TEST_FAQ_COUNT, 41 * TEST_FAQ_COUNT))).toEqual(Array.from(one));
  });

  it('stops a cancelled long batch between slices', async () => {
    const long = Array.from({ length: 64 }, () => 'where is my card '.repeat(60).slice(0, 1000));
    const leaving = new AbortController();
    const scored = model.scores(long, leaving.signal);
    leaving.abort();
    await expect(scored).rejects.toMatchObject({ code: 'RTS_ERR_CANCELLED' });
  });

  it('answers the tensor API: probabilities FP32 [n, faqs] and label BYTES [n]', async () => {
    const questions = ['when does my card arrive', 'link my card to the app'];
    const out = await model.infer([{ name: 'text', datatype: 'BYTES', shape: [2], data: questions.map(enc) }]);
    const probs = out.find((t) => t.name === 'probabilities')!;
    const label = out.find((t) => t.name === 'label')!;
    expect(probs).toMatchObject({ datatype: 'FP32', shape: [2, TEST_FAQ_COUNT] });
    expect(probs.data).toBeInstanceOf(Float32Array);
    const ranked = await model.match(questions, { topK: 1 });
    expect((label.data as Uint8Array[]).map((b) => new TextDecoder().decode(b))).toEqual(ranked.map((r) => String(r[0]!.id)));
    expect(label.shape).toEqual([2]);
    // Same numbers as match(): one scoring path.
    const p = probs.data as Float32Array;
    expect(Math.max(...p.subarray(0, TEST_FAQ_COUNT))).toBeCloseTo(ranked[0]![0]!.score, 6);
    // [n, 1] is accepted too, and outputs can be chosen.
    const only = await model.infer([{ name: 'text', datatype: 'BYTES', shape: [1, 1], data: [enc('pin blocked')] }], { outputs: ['label'] });
    expect(only.map((t) => t.name)).toEqual(['label']);
  });

  it('rejects bad tensors with INVALID_INPUT saying what was expected', async () => {
    const bad: [Tensor[], RegExp][] = [
      [[{ name: 'question', datatype: 'BYTES', shape: [1], data: [enc('x')] }], /unknown input "question"/],
      [[{ name: 'text', datatype: 'FP32', shape: [1], data: new Float32Array(1) }], /datatype FP32/],
      [[{ name: 'text', datatype: 'BYTES', shape: [1, 2], data: [enc('a'), enc('b')] }], /shape \[1,2\]/],
      [[{ name: 'text', datatype: 'BYTES', shape: [2], data: [enc('a')] }], /1 byte strings/],
      [[{ name: 'text', datatype: 'BYTES', shape: [1], data: [new Uint8Array([0x61, 0xff, 0xfe])] }], /not valid UTF-8/],
      [[], /expected one input "text"/],
    ];
    for (const [inputs, message] of bad) {
      await expect(model.infer(inputs)).rejects.toMatchObject({ code: 'RTS_ERR_INVALID_INPUT', message: expect.stringMatching(message) });
    }
    await expect(model.infer([{ name: 'text', datatype: 'BYTES', shape: [1], data: [enc('a')] }], { outputs: ['nope'] })).rejects.toMatchObject({
      code: 'RTS_ERR_INVALID_INPUT',
    });
  });

  it('rejects invalid options', async () => {
    await expect(faqMatcherKind.load(await context('faq', { topK: 0 }))).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
    await expect(faqMatcherKind.load(await context('faq', { dataset: 'imagenet' }))).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
    await expect(faqMatcherKind.load(await context('faq', { topk: 3 }))).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
  });

  it('rejects a corrupt pipeline file, a bad faqs.json and a missing file', async () => {
    await makeFaqRepo(root, { name: 'broken' });
    const dir = join(root, 'broken', '1');
    const bytes = await readFile(join(dir, 'pipeline.bin'));
    const good = JSON.parse(await readFile(join(dir, 'faqs.json'), 'utf8')) as unknown[];

    // Flip a byte in the middle: the checksum catches it.
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1]! ^= 0xff;
    await writeFile(join(dir, 'pipeline.bin'), flipped);
    await expect(faqMatcherKind.load(await context('broken'))).rejects.toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL' });
    await writeFile(join(dir, 'pipeline.bin'), bytes.subarray(0, 100));
    await expect(faqMatcherKind.load(await context('broken'))).rejects.toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL' });
    await writeFile(join(dir, 'pipeline.bin'), bytes);

    await writeFile(join(dir, 'faqs.json'), '{not json');
    await expect(faqMatcherKind.load(await context('broken'))).rejects.toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL' });
    await writeFile(join(dir, 'faqs.json'), JSON.stringify(good.slice(1)));
    await expect(faqMatcherKind.load(await context('broken'))).rejects.toMatchObject({
      code: 'RTS_ERR_CORRUPT_MODEL',
      message: expect.stringMatching(/scores 8 classes but faqs.json lists 7/),
    });
    await rm(join(dir, 'faqs.json'));
    await expect(faqMatcherKind.load(await context('broken'))).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
    await rm(join(dir, 'pipeline.bin'));
    await expect(faqMatcherKind.load(await context('broken'))).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
  });

  it('close() resolves and the model then refuses work', async () => {
    const m = await faqMatcherKind.load(await context('faq'));
    await expect(m.close()).resolves.toBeUndefined();
    await expect((m as FaqMatcher).match(['card'], { topK: 1 })).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_NOT_READY' });
  });
});
