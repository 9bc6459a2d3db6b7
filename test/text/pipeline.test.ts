import { describe, expect, it } from 'vitest';
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
