import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deserializePipeline,
  LogisticRegression,
  loadPipeline,
  MlpClassifier,
  PIPELINE_FORMAT_VERSION,
  savePipeline,
  serializePipeline,
  TextPipeline,
} from '../../src/text/index.js';
import { crc32, crc32Portable } from '../../src/text/serialize.js';
import { makeCorpus } from './corpus.js';
import { edit, resign } from './model-file.js';

const QUESTIONS = ['where is my card?', 'refund my money', 'I am locked out of my account', 'naïve 😀 question ünïcode'];

function fitted(): TextPipeline {
  const { texts, y } = makeCorpus(12);
  // Unicode and astral terms must survive the round trip too.
  texts.push('naïve 😀 question ünïcode 𝒜𝒷𝒸 日本語', 'émoji 😀😀 again');
  const labels = Int32Array.from([...y, 0, 1]);
  return new TextPipeline({
    features: [
      { ngramRange: [1, 2], stopWords: ['the'] },
      { analyzer: 'char_wb', ngramRange: [2, 3], weight: 0.7, minDf: { proportion: 0 } },
    ],
    classifier: { C: 5, classWeight: 'balanced' },
  }).fit(texts, labels);
}

describe('pipeline serialisation', () => {
  const p = fitted();
  const bytes = serializePipeline(p);
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rts-text-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips to identical probabilities, vocabularies and options', () => {
    const q = deserializePipeline(bytes);
    expect(Array.from(q.predictProba(QUESTIONS))).toEqual(Array.from(p.predictProba(QUESTIONS)));
    expect(q.options).toEqual(p.options);
    expect(q.weights).toEqual([1, 0.7]);
    q.vectorizers.forEach((v, b) => {
      expect(v.getFeatureNames()).toEqual(p.vectorizers[b]!.getFeatureNames());
      expect(Array.from(v.idf)).toEqual(Array.from(p.vectorizers[b]!.idf));
      expect(v.options).toEqual(p.vectorizers[b]!.options);
    });
    expect(p.vectorizers[0]!.vocabulary.has('😀')).toBe(false);
    expect(p.vectorizers[1]!.vocabulary.has(' 😀')).toBe(true);
    expect(q.classifier.converged).toBe(p.classifier.converged);
    expect(q.classifier.nIter).toBe(p.classifier.nIter);
    // Serialising again gives the same bytes.
    expect(serializePipeline(q)).toEqual(bytes);
  });

  it('saves and loads files', async () => {
    const path = join(dir, 'model.rtstxt');
    await savePipeline(path, p);
    const q = await loadPipeline(path);
    expect(Array.from(q.predictProba(QUESTIONS))).toEqual(Array.from(p.predictProba(QUESTIONS)));
    await expect(loadPipeline(join(dir, 'missing.rtstxt'))).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
    await writeFile(join(dir, 'bad.rtstxt'), bytes.subarray(0, 100));
    await expect(loadPipeline(join(dir, 'bad.rtstxt'))).rejects.toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL' });
  });

  it('computes zlib CRC-32 with or without node:zlib', () => {
    expect(crc32(new TextEncoder().encode('hello'))).toBe(0x3610a686);
    expect(crc32Portable(new TextEncoder().encode('hello'))).toBe(0x3610a686);
    expect(crc32Portable(bytes)).toBe(crc32(bytes));
  });

  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['truncated data', () => bytes.subarray(0, bytes.length - 9), /truncated/],
    ['truncated preamble', () => bytes.subarray(0, 12), /truncated/],
    ['empty file', () => new Uint8Array(0), /bad magic/],
    ['bad magic', () => resign(Uint8Array.from(bytes, (b, i) => (i === 0 ? 0x58 : b))), /bad magic/],
    ['unknown version', () => resign(Uint8Array.from(bytes, (b, i) => (i === 6 ? PIPELINE_FORMAT_VERSION + 1 : b))), /unsupported format version 3/],
    ['version 0', () => resign(Uint8Array.from(bytes, (b, i) => (i === 6 ? 0 : b))), /unsupported format version 0/],
    ['unknown classifier type', () => edit(bytes, (h) => (h.classifier.type = 'svm')), /unknown classifier type "svm"/],
    ['checksum mismatch', () => Uint8Array.from(bytes, (b, i) => (i === bytes.length - 40 ? b ^ 1 : b)), /checksum mismatch/],
    ['trailing bytes', () => Uint8Array.from([...bytes, 0]), /unexpected bytes/],
    ['header not JSON', () => resign(Uint8Array.from(bytes, (b, i) => (i === 24 ? 0x7b + 1 : b))), /not valid UTF-8 JSON/],
    ['term count', () => edit(bytes, (h) => (h.features[0].nTerms += 1)), /inconsistent shapes/],
    ['class count', () => edit(bytes, (h) => (h.classifier.nClasses = 4)), /inconsistent shapes/],
    ['feature count', () => edit(bytes, (h) => (h.classifier.nFeatures -= 1)), /inconsistent shapes/],
    ['missing section', () => edit(bytes, (h) => h.sections.pop()), /missing section intercept/],
    ['section out of range', () => edit(bytes, (h) => (h.sections[0].offset = 1 << 24)), /runs past the end/],
    ['section dtype', () => edit(bytes, (h) => (h.sections.at(-1).dtype = 'uint32')), /dtype uint32, expected float32/],
    ['feature blocks vs options', () => edit(bytes, (h) => h.options.features.pop()), /inconsistent shapes|feature blocks/],
    ['bad options', () => edit(bytes, (h) => (h.features[0].options.analyzer = 'bytes')), /analyzer/],
    [
      'unsorted vocabulary',
      () => {
        // Swap two neighbouring terms of the same length: lengths stay valid, the order breaks.
        const b = Uint8Array.from(bytes);
        const dv = new DataView(b.buffer);
        const hLen = dv.getUint32(16, true);
        const header = JSON.parse(new TextDecoder().decode(b.subarray(24, 24 + hLen)));
        const start = Math.ceil((24 + hLen) / 8) * 8;
        const text = header.sections.find((s: any) => s.name === 'terms.1.text');
        const terms = p.vectorizers[1]!.getFeatureNames();
        const j = terms.findIndex((t, k) => k + 1 < terms.length && t.length === terms[k + 1]!.length);
        const enc = new TextEncoder();
        const at = start + text.offset + enc.encode(terms.slice(0, j).join('')).length;
        b.set(enc.encode(terms[j + 1]! + terms[j]!), at);
        return resign(b);
      },
      /not sorted/,
    ],
  ];
  it.each(cases)('rejects a file with %s as CORRUPT_MODEL', (_name, make, reason) => {
    let err: unknown;
    try {
      deserializePipeline(make());
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL', statusCode: 500 });
    expect((err as Error).message).toMatch(reason);
  });

  it.each(cases)('rejects a file with %s as CORRUPT_MODEL when loaded from disk too (read in parts)', async (name, make, reason) => {
    const path = join(dir, `corrupt-${name.replace(/\W+/g, '-')}.rtstxt`);
    await writeFile(path, make());
    await expect(loadPipeline(path)).rejects.toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL', message: expect.stringMatching(reason) });
  });

  it('checksums a file in parts as in one piece, with or without node:zlib', () => {
    const big = Uint8Array.from({ length: 3 * 65536 + 17 }, (_v, i) => (i * 2654435761) >>> 24);
    const whole = crc32(big);
    for (const cut of [0, 1, 65536, big.length - 1, big.length]) {
      expect(crc32(big.subarray(cut), crc32(big.subarray(0, cut)))).toBe(whole);
      expect(crc32Portable(big.subarray(cut), crc32Portable(big.subarray(0, cut)))).toBe(whole);
    }
  });

  it('reads version 1 files (written before the MLP: no classifier type, logistic)', () => {
    const v1 = edit(bytes, (h) => delete h.classifier.type);
    v1[6] = 1;
    const q = deserializePipeline(resign(v1));
    expect(q.classifier).toBeInstanceOf(LogisticRegression);
    expect(Array.from(q.predictProba(QUESTIONS))).toEqual(Array.from(p.predictProba(QUESTIONS)));
  });

  it('refuses to serialise an unfitted pipeline', () => {
    expect(() => serializePipeline(new TextPipeline({ features: [{}], classifier: {} }))).toThrow(/not fitted/);
  });
});

describe('MLP pipeline files', () => {
  const { texts, y } = makeCorpus(8);
  const p = new TextPipeline({
    features: [{}, { analyzer: 'char_wb', ngramRange: [2, 3] }],
    classifier: { type: 'mlp', hiddenSize: 8, epochs: 2 },
  }).fit(texts, y);
  const bytes = serializePipeline(p);

  it('round-trip to the same probabilities, options and bytes', () => {
    const q = deserializePipeline(bytes);
    expect(q.classifier).toBeInstanceOf(MlpClassifier);
    expect(q.options).toEqual(p.options);
    expect((q.classifier as MlpClassifier).options).toEqual((p.classifier as MlpClassifier).options);
    expect(Array.from(q.predictProba(QUESTIONS))).toEqual(Array.from(p.predictProba(QUESTIONS)));
    expect(serializePipeline(q)).toEqual(bytes);
  });

  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['a hidden size its weights do not have', () => edit(bytes, (h) => (h.classifier.options.hiddenSize = 9)), /inconsistent shapes: section w1/],
    ['a bad hidden size', () => edit(bytes, (h) => (h.classifier.options.hiddenSize = -1)), /hidden layer size/],
    ['no w2', () => edit(bytes, (h) => (h.sections = h.sections.filter((s: { name: string }) => s.name !== 'w2'))), /missing section w2/],
    [
      'a non-finite weight',
      () => {
        const b = Uint8Array.from(bytes);
        const dv = new DataView(b.buffer);
        const hLen = dv.getUint32(16, true);
        const header = JSON.parse(new TextDecoder().decode(b.subarray(24, 24 + hLen)));
        const b2 = header.sections.find((s: { name: string }) => s.name === 'b2');
        dv.setFloat32(Math.ceil((24 + hLen) / 8) * 8 + b2.offset, Number.NaN, true);
        return resign(b);
      },
      /b2\[0\] is not finite/,
    ],
  ];
  it('reject a neighbour-voting network whose memory is missing or has other classes', () => {
    const withMemory = serializePipeline(
      new TextPipeline({
        features: [{}],
        classifier: { type: 'mlp', hiddenSize: 8, epochs: 1, neighbours: {} },
      }).fit(texts, y),
    );
    const without = (name: string) => edit(withMemory, (h) => (h.sections = h.sections.filter((s: { name: string }) => s.name !== name)));
    expect(() => deserializePipeline(without('memory.vectors'))).toThrow(/missing section memory.vectors/);
    expect(() => deserializePipeline(without('memory.classStart'))).toThrow(/missing section memory.classStart/);
    expect(() => deserializePipeline(edit(withMemory, (h) => (h.classifier.nClasses = 4)))).toThrow(/inconsistent shapes/);
  });

  it('loads a neighbour-voting network written before `confidence` existed as the unscaled vote it was', () => {
    const options = { features: [{}], classifier: { type: 'mlp' as const, hiddenSize: 8, epochs: 2, neighbours: { k: 3, candidates: 2 } } };
    const old = deserializePipeline(
      edit(serializePipeline(new TextPipeline(options).fit(texts, y)), (h) => {
        expect(h.classifier.options.neighbours.confidence).toBe(4);
        delete h.classifier.options.neighbours.confidence;
      }),
    );
    expect((old.classifier as MlpClassifier).options.neighbours!.confidence).toBe(0);
    const unscaled = new TextPipeline({ ...options, classifier: { ...options.classifier, neighbours: { k: 3, candidates: 2, confidence: 0 } } }).fit(texts, y);
    expect(Array.from(old.predictProba(texts))).toEqual(Array.from(unscaled.predictProba(texts)));
  });

  it.each(cases)('reject a file with %s as CORRUPT_MODEL', (_name, make, reason) => {
    expect(() => deserializePipeline(make())).toThrow(reason);
    try {
      deserializePipeline(make());
    } catch (e) {
      expect(e).toMatchObject({ code: 'RTS_ERR_CORRUPT_MODEL' });
    }
  });
});
