import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/random.js';
import { CsrMatrix, deserializePipeline, LogisticRegression, MlpClassifier, serializePipeline, TextPipeline } from '../../src/text/index.js';
import { initialMlpWeights, type MlpWeights } from '../../src/text/mlp.js';
import { makeCorpus } from './corpus.js';

/** XOR over two binary features (plus a constant one): no linear model can separate it. */
function xor(copies: number): { X: CsrMatrix; y: Int32Array } {
  const rows: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < copies; c++) {
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const) {
      rows.push(a, b, 1);
      labels.push(a ^ b);
    }
  }
  return { X: CsrMatrix.fromDense(labels.length, 3, rows), y: Int32Array.from(labels) };
}

const accuracy = (proba: Float32Array, y: Int32Array, K: number): number => {
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (proba[i * K + k]! > proba[i * K + best]!) best = k;
    if (best === y[i]) right++;
  }
  return right / y.length;
};

/** Mean cross-entropy of a network with these weights, through the public scoring path. */
function meanLoss(w: MlpWeights, H: number, X: CsrMatrix, y: Int32Array, K: number): number {
  const p = MlpClassifier.fromWeights({ hiddenSize: H }, X.cols, K, w).predictProba(X);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum -= Math.log(p[i * K + y[i]!]!);
  return sum / y.length;
}

describe('MlpClassifier', () => {
  it('learns XOR, which logistic regression cannot', () => {
    const { X, y } = xor(25);
    const mlp = new MlpClassifier({ hiddenSize: 16, epochs: 60, batchSize: 8, learningRate: 0.02, dropout: 0 }).fit(X, y);
    expect(accuracy(mlp.predictProba(X), y, 2)).toBe(1);
    const lr = new LogisticRegression({ C: 100 }).fit(X, y);
    expect(accuracy(lr.predictProba(X), y, 2)).toBeLessThanOrEqual(0.75);
  });

  it('back-propagates the true gradient: the first Adam step moves every weight by -lr·sign(∂loss/∂w)', () => {
    // With one full batch and no dropout, Adam's first step is exactly -lr·g/(|g| + ε) per weight.
    const { texts, y } = makeCorpus(4);
    const X = new TextPipeline({ features: [{}], classifier: {} }).vectorizers[0]!.fitTransform(texts);
    const H = 6;
    const K = 3;
    const lr = 1e-4;
    const seed = 7;
    const start = initialMlpWeights(X.cols, H, K, mulberry32(seed));
    const after = new MlpClassifier({ hiddenSize: H, epochs: 1, batchSize: y.length, learningRate: lr, dropout: 0, seed }).fit(X, y, { nClasses: K }).weights;
    let checked = 0;
    for (const name of ['w1', 'b1', 'w2', 'b2'] as const) {
      for (let q = 0; q < start[name].length; q++) {
        const h = 1e-2;
        const plus = structuredClone(start);
        plus[name][q]! += h;
        const minus = structuredClone(start);
        minus[name][q]! -= h;
        const numeric = (meanLoss(plus, H, X, y, K) - meanLoss(minus, H, X, y, K)) / (2 * h);
        const moved = after[name][q]! - start[name][q]!;
        if (Math.abs(numeric) > 1e-3) {
          expect(moved, `${name}[${q}]`).toBeCloseTo(-lr * Math.sign(numeric), 6);
          checked++;
        } else if (Math.abs(numeric) < 1e-9) {
          expect(Math.abs(moved), `${name}[${q}]`).toBeLessThanOrEqual(lr);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('is reproducible: the same seed gives the same weights, another seed others', () => {
    const { texts, y } = makeCorpus(10);
    const fit = (seed: number): Float32Array =>
      new TextPipeline({ features: [{}], classifier: { type: 'mlp', hiddenSize: 8, epochs: 3, seed } }).fit(texts, y).predictProba(texts);
    expect(Array.from(fit(3))).toEqual(Array.from(fit(3)));
    expect(Array.from(fit(4))).not.toEqual(Array.from(fit(3)));
  });

  it('classifies a text corpus through the pipeline and reports epochs and loss', () => {
    const { texts, y } = makeCorpus(30);
    const events: number[] = [];
    const p = new TextPipeline({
      features: [{ ngramRange: [1, 2] }, { analyzer: 'char_wb', ngramRange: [2, 4] }],
      classifier: { type: 'mlp', hiddenSize: 32, epochs: 10 },
    }).fit(texts, y, { onProgress: (e) => e.stage === 'train' && events.push(e.loss!) });
    expect(events).toHaveLength(10);
    expect(events.at(-1)!).toBeLessThan(events[0]!);
    expect(p.classifier.type).toBe('mlp');
    expect(p.classifier.nIter).toBe(10);
    expect(Array.from(p.predict(['when will my card arrive?', 'I want my money back', 'I forgot my password']))).toEqual([0, 1, 2]);
    const proba = p.predictProba(['track my card']);
    expect(proba.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("weights classes with 'balanced' like scikit-learn (identity on balanced data)", () => {
    const { X, y } = xor(5);
    const plain = new MlpClassifier({ hiddenSize: 4, epochs: 2, seed: 1 }).fit(X, y).predictProba(X);
    const balanced = new MlpClassifier({ hiddenSize: 4, epochs: 2, seed: 1, classWeight: 'balanced' }).fit(X, y).predictProba(X);
    expect(Array.from(balanced)).toEqual(Array.from(plain));
    // Imbalanced: 3 of 4 examples are class 0, and class 1 only where x2 = 0. There the optimum
    // is p(1) = 1/2 unweighted and 3/4 balanced (weights 2 vs 2/3), so the mean share of class 1
    // goes from 1/4 to 3/8.
    const Xi = CsrMatrix.fromDense(40, 2, Array.from({ length: 40 }, (_v, i) => [1, i % 2]).flat());
    const yi = Int32Array.from({ length: 40 }, (_v, i) => (i % 4 === 0 ? 1 : 0));
    const share = (cw: 'balanced' | null): number => {
      const p = new MlpClassifier({ hiddenSize: 4, epochs: 100, learningRate: 0.05, dropout: 0, classWeight: cw }).fit(Xi, yi).predictProba(Xi);
      let s = 0;
      for (let i = 0; i < 40; i++) s += p[i * 2 + 1]!;
      return s / 40;
    };
    expect(share(null)).toBeCloseTo(1 / 4, 1);
    expect(share('balanced')).toBeCloseTo(3 / 8, 1);
  });

  it('rejects bad options and inputs', () => {
    expect(() => new MlpClassifier({ hiddenSize: 0 })).toThrow(/hiddenSize/);
    expect(() => new MlpClassifier({ dropout: 1 })).toThrow(/dropout/);
    expect(() => new MlpClassifier({ learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new MlpClassifier({ epochs: 1.5 })).toThrow(/epochs/);
    expect(() => new TextPipeline({ features: [{}], classifier: { type: 'svm' } as never })).toThrow(/classifier type/);
    const { X, y } = xor(1);
    expect(() => new MlpClassifier().fit(X, y.subarray(1))).toThrow(/3 labels/);
    expect(() => new MlpClassifier().predictProba(X)).toThrow(/not fitted/);
    const m = new MlpClassifier({ hiddenSize: 2, epochs: 1 }).fit(X, y);
    expect(() => m.predictProba(CsrMatrix.zeros(1, 5))).toThrow(/5 columns/);
  });
});

describe('nearest-neighbour vote in the hidden layer', () => {
  const { texts, y } = makeCorpus(20);
  const X = new TextPipeline({ features: [{}], classifier: {} }).vectorizers[0]!.fitTransform(texts);
  const base = { hiddenSize: 16, epochs: 3, seed: 5 };
  const plain = new MlpClassifier(base).fit(X, y);
  const K = 3;

  /**
   * The vote computed the long way: every training row of the network's `candidates` best
   * classes, full cosine, sorted; the vote's share scaled by their probability^confidence.
   */
  function reference(m: MlpClassifier, k: number, temperature: number, weight: number, candidates = K, confidence = 0): Float32Array {
    const H = 16;
    const { w1, b1 } = m.weights;
    const hiddenOf = (i: number): Float64Array => {
      const h = Float64Array.from(b1);
      for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) for (let u = 0; u < H; u++) h[u]! += X.data[p]! * w1[X.indices[p]! * H + u]!;
      const r = h.map((v) => Math.max(v, 0));
      const norm = Math.hypot(...r);
      return r.map((v) => v / norm);
    };
    const train = Array.from({ length: X.rows }, (_v, i) => hiddenOf(i));
    const net = plain.predictProba(X);
    const out = new Float32Array(X.rows * K);
    for (let i = 0; i < X.rows; i++) {
      const best = [0, 1, 2].sort((a, b) => net[i * K + b]! - net[i * K + a]!).slice(0, candidates);
      const mass = best.reduce((a, c) => a + net[i * K + c]!, 0);
      const sims = train
        .map((t, e) => ({ s: t.reduce((a, v, u) => a + v * train[i]![u]!, 0), c: y[e]! }))
        .filter(({ c }) => best.includes(c))
        .sort((a, b) => b.s - a.s)
        .slice(0, k);
      const vote = [0, 0, 0];
      for (const { s, c } of sims) vote[c]! += Math.exp((s - 1) / temperature);
      const total = vote.reduce((a, b) => a + b, 0);
      const share = weight * Math.min(1, mass) ** confidence;
      for (let c = 0; c < K; c++) out[i * K + c] = (1 - share) * net[i * K + c]! + (share * vote[c]!) / total;
    }
    return out;
  }

  it("blends the k nearest training questions' vote into the network's probabilities", () => {
    const m = new MlpClassifier({ ...base, neighbours: { k: 4, temperature: 0.1, weight: 0.6, candidates: K } }).fit(X, y);
    // Training is unchanged by the option: same weights as without it.
    expect(Array.from(m.weights.w2)).toEqual(Array.from(plain.weights.w2));
    expect(m.memory!.size).toBe(X.rows);
    const got = m.predictProba(X);
    const want = reference(m, 4, 0.1, 0.6);
    for (let q = 0; q < got.length; q++) expect(got[q]!).toBeCloseTo(want[q]!, 5);
    for (let i = 0; i < X.rows; i++) expect(got[i * K] + got[i * K + 1]! + got[i * K + 2]!).toBeCloseTo(1, 5);
  });

  it("scales the vote's share by the network's probability of the candidate classes", () => {
    const m = new MlpClassifier({ ...base, neighbours: { k: 4, temperature: 0.1, weight: 0.8, candidates: 2 } }).fit(X, y);
    expect(m.options.neighbours!.confidence).toBe(4);
    const got = m.predictProba(X);
    const want = reference(m, 4, 0.1, 0.8, 2, 4);
    for (let q = 0; q < got.length; q++) expect(got[q]!).toBeCloseTo(want[q]!, 5);
    // Unscaled (confidence 0) it is the plain blend, which differs wherever the two best
    // classes do not hold all of the network's probability.
    const flat = new MlpClassifier({ ...base, neighbours: { k: 4, temperature: 0.1, weight: 0.8, candidates: 2, confidence: 0 } }).fit(X, y).predictProba(X);
    const wantFlat = reference(m, 4, 0.1, 0.8, 2, 0);
    for (let q = 0; q < flat.length; q++) expect(flat[q]!).toBeCloseTo(wantFlat[q]!, 5);
    expect(Array.from(flat)).not.toEqual(Array.from(got));
  });

  it('weight 0 gives the plain network; a single candidate class takes the whole vote', () => {
    const off = new MlpClassifier({ ...base, neighbours: { weight: 0 } }).fit(X, y);
    expect(Array.from(off.predictProba(X))).toEqual(Array.from(plain.predictProba(X)));
    const one = new MlpClassifier({ ...base, neighbours: { candidates: 1, weight: 1, confidence: 0 } }).fit(X, y).predictProba(X);
    const net = plain.predictProba(X);
    for (let i = 0; i < X.rows; i++) {
      const top = [0, 1, 2].reduce((a, c) => (net[i * K + c]! > net[i * K + a]! ? c : a), 0);
      expect(one[i * K + top]).toBeCloseTo(1, 6);
    }
  });

  it('does not vote for a question without any known feature', () => {
    const m = new MlpClassifier({ ...base, neighbours: {} }).fit(X, y);
    const empty = CsrMatrix.zeros(1, X.cols);
    expect(Array.from(m.predictProba(empty))).toEqual(Array.from(plain.predictProba(empty)));
  });

  it('round-trips through the model file with its memory', () => {
    const p = new TextPipeline({ features: [{}], classifier: { type: 'mlp', ...base, neighbours: { k: 3 } } }).fit(texts, y);
    const bytes = serializePipeline(p);
    const q = deserializePipeline(bytes);
    expect((q.classifier as MlpClassifier).memory!.size).toBe(texts.length);
    expect(Array.from(q.predictProba(texts))).toEqual(Array.from(p.predictProba(texts)));
    expect(serializePipeline(q)).toEqual(bytes);
  });

  it('rejects bad neighbour options', () => {
    expect(() => new MlpClassifier({ neighbours: { confidence: -1 } })).toThrow(/neighbours.confidence/);
    expect(() => new MlpClassifier({ neighbours: { k: 0 } })).toThrow(/neighbours.k/);
    expect(() => new MlpClassifier({ neighbours: { weight: 1.5 } })).toThrow(/neighbours.weight/);
    expect(() => new MlpClassifier({ neighbours: { temperature: 0 } })).toThrow(/neighbours.temperature/);
    expect(() => new MlpClassifier({ neighbours: { candidates: 2.5 } })).toThrow(/neighbours.candidates/);
  });
});
