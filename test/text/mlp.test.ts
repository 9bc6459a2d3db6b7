import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/random.js';
import { CsrMatrix, deserializePipeline, LogisticRegression, MlpClassifier, serializePipeline, TextPipeline } from '../../src/text/index.js';
import { initialMlpWeights, type MlpWeights, SPARSE_CHUNK } from '../../src/text/mlp.js';
import { SectionBuilder, SectionSource } from '../../src/text/sections.js';
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

/**
 * predictProba of an MLP with a neighbour vote computed the plain way, in float64, from its
 * saved arrays: hidden = relu(b1 + x·W1), logits = hidden·W2 + b2, softmax, then the vote of
 * the k most similar stored questions of the `candidates` best classes, blended.
 */
function referenceProba(m: MlpClassifier, X: CsrMatrix): Float64Array {
  const { w1, b1, w2, b2 } = m.weights;
  const H = m.hiddenSize;
  const K = m.nClasses;
  const { k, temperature, weight, candidates, confidence } = m.options.neighbours!;
  const vectors = m.memory!.vectors;
  const classStart = m.memory!.classStart;
  const out = new Float64Array(X.rows * K);
  for (let i = 0; i < X.rows; i++) {
    const h = Array.from(b1, Number);
    for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) for (let u = 0; u < H; u++) h[u]! += X.data[p]! * w1[X.indices[p]! * H + u]!;
    for (let u = 0; u < H; u++) h[u] = Math.max(h[u]!, 0);
    const z = Array.from(b2, Number);
    for (let c = 0; c < K; c++) for (let u = 0; u < H; u++) z[c]! += h[u]! * w2[u * K + c]!;
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const sum = e.reduce((a, b) => a + b, 0);
    const proba = e.map((v) => v / sum);
    const norm = Math.hypot(...h);
    if (X.indptr[i + 1]! > X.indptr[i]! && norm > 0) {
      const best = Array.from({ length: K }, (_v, c) => c)
        .sort((a, b) => proba[b]! - proba[a]!)
        .slice(0, candidates);
      const mass = best.reduce((a, c) => a + proba[c]!, 0);
      const sims: Array<{ s: number; c: number }> = [];
      for (const c of best) {
        const count = classStart[c + 1]! - classStart[c]!;
        const block = classStart[c]! * H;
        for (let q = 0; q < count; q++) {
          let s = 0;
          for (let u = 0; u < H; u++) s += (h[u]! / norm) * vectors[block + u * count + q]!;
          sims.push({ s, c });
        }
      }
      sims.sort((a, b) => b.s - a.s);
      const vote = new Array<number>(K).fill(0);
      for (const { s, c } of sims.slice(0, k)) vote[c]! += Math.exp((s - 1) / temperature);
      const total = vote.reduce((a, b) => a + b, 0);
      const share = weight * Math.min(1, mass) ** confidence;
      for (let c = 0; c < K; c++) proba[c] = (1 - share) * proba[c]! + (share * vote[c]!) / total;
    }
    for (let c = 0; c < K; c++) out[i * K + c] = proba[c]!;
  }
  return out;
}

describe('MlpClassifier scoring in WebAssembly', () => {
  const random = mulberry32(11);
  // Random sparse rows, some of them longer than one kernel call takes (SPARSE_CHUNK non-zeros).
  const D = 2 * SPARSE_CHUNK + 300;
  const K = 5;
  const nnzs = [0, 1, 5, 17, 40, 3, 9, 60, SPARSE_CHUNK, SPARSE_CHUNK + 1, 2 * SPARSE_CHUNK + 7];
  function sparseRows(n: number): { X: CsrMatrix; y: Int32Array } {
    const dense = new Float32Array(n * D);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % K;
      const nnz = nnzs[i % nnzs.length]!;
      // A few columns that say the class, then noise.
      for (let t = 0; t < nnz; t++) dense[i * D + (t < 3 ? y[i]! * 7 + t : Math.floor(random() * D))] = 0.1 + random();
    }
    return { X: CsrMatrix.fromDense(n, D, dense), y };
  }
  const train = sparseRows(120);
  const test = sparseRows(nnzs.length * 2);
  // Hidden size 13: no multiple of 4 or 16, so every kernel tail runs.
  // Temperature 0.2 (not 0.01): the vote then spreads over the k neighbours, so it depends on every similarity.
  const options = { hiddenSize: 13, epochs: 20, learningRate: 0.01, seed: 3, neighbours: { k: 4, temperature: 0.2, candidates: 3 } };
  const m = new MlpClassifier(options).fit(train.X, train.y);

  it('gives the float64 reference probabilities of a trained network with a neighbour vote, to ~1e-5', () => {
    const got = m.predictProba(test.X);
    const want = referenceProba(m, test.X);
    for (let q = 0; q < want.length; q++) {
      if (!(Math.abs(got[q]! - want[q]!) <= 1e-5 * want[q]! + 1e-7)) expect.fail(`value ${q}: got ${got[q]}, want ${want[q]}`);
    }
    const got2 = m.predictProba(train.X);
    const want2 = referenceProba(m, train.X);
    for (let q = 0; q < want2.length; q++) expect(Math.abs(got2[q]! - want2[q]!)).toBeLessThanOrEqual(1e-5 * want2[q]! + 1e-7);
  });

  it('loads from its sections into one kernel memory (W1 a view of it) and scores the same, bit for bit', () => {
    const out = new SectionBuilder();
    m.toSections(out);
    const bytes = new Uint8Array(out.dataLength);
    out.writeTo(bytes, 0);
    const state = { type: 'mlp' as const, options: m.options, nFeatures: m.nFeatures, nClasses: m.nClasses, converged: true, nIter: m.nIter };
    const loaded = MlpClassifier.fromSections(state, new SectionSource(bytes, 0, bytes.length, out.sections));
    expect(Array.from(loaded.predictProba(test.X))).toEqual(Array.from(m.predictProba(test.X)));
    const { w1, b1 } = loaded.weights;
    expect(w1.buffer).toBe(b1.buffer);
    expect(w1.buffer).not.toBe(m.weights.w1.buffer);
    expect(Array.from(w1)).toEqual(Array.from(m.weights.w1));
    expect(Array.from(loaded.memory!.vectors)).toEqual(Array.from(m.memory!.vectors));
  });

  it('refuses a row with a column out of range', () => {
    const bad = new CsrMatrix(1, D, Int32Array.from([0, 2]), Int32Array.from([1, D]), Float32Array.from([1, 1]));
    expect(() => m.predictProba(bad)).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
    const negative = new CsrMatrix(1, D, Int32Array.from([0, 1]), Int32Array.from([-1]), Float32Array.from([1]));
    expect(() => m.predictProba(negative)).toThrow(/out of range/);
  });
});
