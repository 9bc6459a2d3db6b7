import { describe, expect, it } from 'vitest';
import { loadLabelledSet } from '../../src/tasks/faq/data/load-banking77.js';
import { defaultInput } from '../../src/tasks/faq/data/paths.js';
import { CsrMatrix, LogisticRegression, type PipelineProgressEvent, TextPipeline, TfidfVectorizer } from '../../src/text/index.js';
import { makeCorpus } from './corpus.js';

const OPTIONS = {
  features: [
    { ngramRange: [1, 2] as [number, number], sublinearTf: true },
    { analyzer: 'char_wb' as const, ngramRange: [2, 4] as [number, number], weight: 0.5 },
  ],
  classifier: { C: 10 },
};

describe('TextPipeline', () => {
  const { texts, y } = makeCorpus(20);

  it('fits a feature union and a classifier, and classifies new phrasings', () => {
    const events: PipelineProgressEvent[] = [];
    const p = new TextPipeline(OPTIONS).fit(texts, y, { onProgress: (e) => events.push(e) });
    expect(p.nClasses).toBe(3);
    expect(p.classifier.converged).toBe(true);
    expect(events.filter((e) => e.stage === 'vectorize').map((e) => e.block)).toEqual([0, 1]);
    expect(events.filter((e) => e.stage === 'train').length).toBe(p.classifier.nIter);
    expect(events.at(-1)?.stage).toBe('done');

    const proba = p.predictProba(['where is my card, it did not arrive', 'I need a refund of my money', 'reset my password please']);
    expect(proba.length).toBe(9);
    expect(Array.from(p.predict(['where is my card, it did not arrive', 'I need a refund of my money', 'reset my password please']))).toEqual([0, 1, 2]);
    for (let i = 0; i < 3; i++) expect(proba[i * 3 + i]).toBeGreaterThan(0.5);
  });

  it('transform is the weighted hstack of the vectorizers', () => {
    const p = new TextPipeline(OPTIONS).fit(texts, y);
    const X = p.transform(['my card']);
    const a = new TfidfVectorizer(OPTIONS.features[0]).fit(texts).transform(['my card']);
    const { weight: _w, ...charOptions } = OPTIONS.features[1]!;
    const b = new TfidfVectorizer(charOptions).fit(texts).transform(['my card']);
    expect(X.cols).toBe(a.cols + b.cols);
    expect(Array.from(X.toDense())).toEqual(Array.from(CsrMatrix.hstack([a, b], [1, 0.5]).toDense()));
    expect(p.nFeatures).toBe(X.cols);
  });

  it('transform is, bit for bit, the weighted hstack of the vectorizers on real questions, many per call', async () => {
    const { input } = await loadLabelledSet(defaultInput('banking77'));
    const questions = input.duplicates.map((d) => d.text);
    const train = questions.slice(0, 1500);
    // banking77's feature blocks (min_df 2), the second weighted; the classifier only has to exist.
    const options = {
      features: [
        { ngramRange: [1, 2] as [number, number], sublinearTf: true, minDf: 2 },
        { analyzer: 'char_wb' as const, ngramRange: [2, 5] as [number, number], sublinearTf: true, minDf: 2, weight: 0.7 },
      ],
      classifier: { C: 1, maxIter: 2 },
    };
    const p = new TextPipeline(options).fit(
      train,
      Int32Array.from(train, (_q, i) => i % 3),
    );
    const docs = [...questions.slice(1400, 2400), '', '   ', 'zzzz qqqq', '🙂 émoji ﬁ card'];
    const X = p.transform(docs);
    const H = CsrMatrix.hstack(
      p.vectorizers.map((v) => v.transform(docs)),
      p.weights,
    );
    expect(X.cols).toBe(H.cols);
    expect(X.indptr).toEqual(H.indptr);
    expect(X.indices).toEqual(H.indices);
    expect(X.data).toEqual(H.data);
    // One question at a time gives the same rows.
    const one = p.transform([docs[7]!]);
    expect(Array.from(one.data)).toEqual(Array.from(H.data.subarray(H.indptr[7]!, H.indptr[8]!)));
    expect(() => p.transform([1 as unknown as string])).toThrow(/document 0 is not a string/);
  });

  it('keeps its options and validates them', () => {
    const p = new TextPipeline(OPTIONS);
    expect(p.options).toEqual(OPTIONS);
    expect(p.options).not.toBe(OPTIONS);
    expect(() => new TextPipeline({ features: [], classifier: {} })).toThrow(/at least one feature block/);
    expect(() => new TextPipeline({ features: [{ weight: -1 }], classifier: {} })).toThrow(/weight/);
    expect(() => new TextPipeline(OPTIONS).fit(texts, y.subarray(1))).toThrow(/labels/);
    expect(() => new TextPipeline(OPTIONS).predictProba(['x'])).toThrow(expect.objectContaining({ code: 'RTS_ERR_MODEL_NOT_READY' }));
  });

  it('rejects fitted parts that do not fit together', () => {
    const v = new TfidfVectorizer().fit(texts);
    const c = LogisticRegression.fromWeights({}, v.nFeatures + 1, 3, new Float32Array((v.nFeatures + 1) * 3), new Float32Array(3));
    expect(() => new TextPipeline({ features: [{}], classifier: {} }, { vectorizers: [v], classifier: c })).toThrow(
      expect.objectContaining({ code: 'RTS_ERR_CORRUPT_MODEL' }),
    );
  });
});
