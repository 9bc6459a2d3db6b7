import { describe, expect, it } from 'vitest';
import type { TextClassifier } from '../../src/text/classifier-base.js';
import { classifierFromSections } from '../../src/text/classifiers.js';
import { CsrMatrix, LogisticRegression, MlpClassifier, TfidfVectorizer } from '../../src/text/index.js';
import { SectionBuilder, SectionSource } from '../../src/text/sections.js';
import { makeCorpus } from './corpus.js';

/**
 * The contract every text classifier keeps (scikit-learn's `estimator_checks` idea): a new
 * classifier is one more entry in `cases`, and passes these checks before a pipeline uses it.
 */
const cases: Array<{ name: string; make: () => TextClassifier }> = [
  { name: 'logistic', make: () => new LogisticRegression({ C: 10 }) },
  { name: 'logistic, balanced', make: () => new LogisticRegression({ classWeight: 'balanced', maxIter: 50 }) },
  { name: 'mlp', make: () => new MlpClassifier({ hiddenSize: 16, epochs: 30, learningRate: 0.01, dropout: 0.1, seed: 1 }) },
  {
    name: 'mlp with neighbours',
    make: () => new MlpClassifier({ hiddenSize: 16, epochs: 30, learningRate: 0.01, dropout: 0.1, seed: 1, neighbours: { k: 3, candidates: 2 } }),
  },
];

const { texts, y } = makeCorpus(12);
const X = new TfidfVectorizer({ ngramRange: [1, 2] }).fitTransform(texts);
const K = 3;

/** Save through the model file's sections and load back, as a pipeline file does. */
function roundTrip(c: TextClassifier): TextClassifier {
  const out = new SectionBuilder();
  c.toSections(out);
  const bytes = new Uint8Array(out.dataLength);
  out.writeTo(bytes, 0);
  const state = { type: c.type, options: c.options, nFeatures: c.nFeatures, nClasses: c.nClasses, converged: c.converged, nIter: c.nIter };
  return classifierFromSections(JSON.parse(JSON.stringify(state)), new SectionSource(bytes, 0, bytes.length, out.sections), c.nFeatures);
}

describe.each(cases)('classifier contract: $name', ({ make }) => {
  const fitted = make().fit(X, y, { nClasses: K });

  it('refuses to score or save before it is fitted', () => {
    const c = make();
    expect(c.fitted).toBe(false);
    expect(() => c.predictProba(X)).toThrow(expect.objectContaining({ code: 'RTS_ERR_MODEL_NOT_READY' }));
    expect(() => c.toSections(new SectionBuilder())).toThrow();
  });

  it('fits: returns itself and knows its shapes', () => {
    expect(fitted.fitted).toBe(true);
    expect(fitted.nClasses).toBe(K);
    expect(fitted.nFeatures).toBe(X.cols);
    expect(fitted.nIter).toBeGreaterThan(0);
    expect(Number.isFinite(fitted.loss)).toBe(true);
  });

  it('predicts rows × classes probabilities that sum to 1 and rank the training labels first', () => {
    const P = fitted.predictProba(X);
    expect(P).toBeInstanceOf(Float32Array);
    expect(P).toHaveLength(X.rows * K);
    let right = 0;
    for (let i = 0; i < X.rows; i++) {
      const row = Array.from(P.subarray(i * K, (i + 1) * K));
      expect(row.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (row.indexOf(Math.max(...row)) === y[i]) right++;
    }
    expect(right / X.rows).toBeGreaterThan(0.9);
  });

  it('refuses rows with another number of features', () => {
    expect(() => fitted.predictProba(CsrMatrix.zeros(1, X.cols + 1))).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
  });

  it('saves and loads to the same type, options and probabilities, bit for bit', () => {
    const loaded = roundTrip(fitted);
    expect(loaded.type).toBe(fitted.type);
    expect(loaded.options).toEqual(fitted.options);
    expect(loaded.nIter).toBe(fitted.nIter);
    expect(Array.from(loaded.predictProba(X))).toEqual(Array.from(fitted.predictProba(X)));
  });
});
