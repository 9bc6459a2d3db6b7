import { describe, expect, it } from 'vitest';
import { CsrMatrix, LogisticRegression } from '../../src/text/index.js';
import { MultinomialLoss } from '../../src/text/multinomial.js';

/**
 * The fixed data set behind the scikit-learn reference values: 24 samples, 6 features,
 * 3 classes of 12 / 8 / 4 samples. Same construction in Python:
 *   X[i, j] = ((i*7 + j*13) % 11) / 10 if (i + 2*j) % 3 != 0 else 0
 *   y = [0]*12 + [1]*8 + [2]*4;  X[y == 1, 1] += 0.5;  X[y == 2, 4] += 0.8
 */
function referenceData(): { X: CsrMatrix; y: Int32Array } {
  const n = 24;
  const d = 6;
  const y = Int32Array.from({ length: n }, (_, i) => (i < 12 ? 0 : i < 20 ? 1 : 2));
  const dense = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) if ((i + 2 * j) % 3 !== 0) dense[i * d + j] = ((i * 7 + j * 13) % 11) / 10;
    if (y[i] === 1) dense[i * d + 1]! += 0.5;
    if (y[i] === 2) dense[i * d + 4]! += 0.8;
  }
  return { X: CsrMatrix.fromDense(n, d, dense), y };
}

const ROWS = [0, 5, 13, 20, 23];

type Fit = { C: number; classWeight?: 'balanced'; fitIntercept?: boolean };

/**
 * scikit-learn 1.2.1 (scipy 1.10.1):
 *   LogisticRegression(solver='lbfgs', multi_class='multinomial', tol=1e-12, max_iter=100000, **kw)
 *     .fit(csr_matrix(X), y).predict_proba(X)[[0, 5, 13, 20, 23]]
 * sklearn 1.2 lets SciPy stop on its default relative reduction of the loss (factr 1e7),
 * which leaves these up to 3.5e-5 away from the exact optimum (below).
 */
const SKLEARN: Array<[string, Fit, number[][]]> = [
  [
    'C=1',
    { C: 1 },
    [
      [0.712784, 0.089204, 0.198012],
      [0.526401, 0.217638, 0.255961],
      [0.382001, 0.550648, 0.067351],
      [0.195817, 0.325079, 0.479104],
      [0.250856, 0.314875, 0.434269],
    ],
  ],
  [
    'C=10',
    { C: 10 },
    [
      [0.695286, 0.002389, 0.302326],
      [0.61464, 0.078576, 0.306785],
      [0.183269, 0.805643, 0.011087],
      [0.022552, 0.196926, 0.780522],
      [0.066823, 0.231996, 0.701181],
    ],
  ],
  [
    "C=0.5, class_weight='balanced'",
    { C: 0.5, classWeight: 'balanced' },
    [
      [0.442, 0.15987, 0.39813],
      [0.332261, 0.238598, 0.429141],
      [0.326547, 0.527878, 0.145574],
      [0.159435, 0.240834, 0.599731],
      [0.19012, 0.247013, 0.562867],
    ],
  ],
  [
    'C=2, fit_intercept=False',
    { C: 2, fitIntercept: false },
    [
      [0.720655, 0.042437, 0.236908],
      [0.510187, 0.170094, 0.319719],
      [0.366954, 0.57636, 0.056687],
      [0.228876, 0.301282, 0.469843],
      [0.223084, 0.282831, 0.494085],
    ],
  ],
];

/**
 * The exact optimum of the same objectives, C·Σ s_i·CE_i + ½‖W‖² with s_i = 1 or
 * n / (3·bincount(y)[y_i]), minimised in numpy by scipy.optimize.minimize(method='L-BFGS-B',
 * options=dict(gtol=1e-13, ftol=0)) to a gradient ≤ 2e-7 (newton-cg agrees to 1e-6).
 */
const OPTIMUM: Array<[string, Fit, number[][]]> = [
  [
    'C=1',
    { C: 1 },
    [
      [0.7127903, 0.0892042, 0.1980055],
      [0.5263936, 0.2176415, 0.2559649],
      [0.3820053, 0.5506459, 0.0673488],
      [0.1958116, 0.3250853, 0.4791031],
      [0.2508506, 0.3148813, 0.4342682],
    ],
  ],
  [
    'C=10',
    { C: 10 },
    [
      [0.6952876, 0.0023888, 0.3023236],
      [0.6146458, 0.0785748, 0.3067794],
      [0.1832928, 0.8056194, 0.0110878],
      [0.0225549, 0.19692, 0.780525],
      [0.0668291, 0.2319971, 0.7011738],
    ],
  ],
  [
    'C=0.5, balanced',
    { C: 0.5, classWeight: 'balanced' },
    [
      [0.4419892, 0.1598738, 0.398137],
      [0.3322675, 0.2385905, 0.429142],
      [0.3265455, 0.5278793, 0.1455753],
      [0.1594424, 0.2408272, 0.5997304],
      [0.1901275, 0.2470063, 0.5628663],
    ],
  ],
  [
    'C=2, no intercept',
    { C: 2, fitIntercept: false },
    [
      [0.7206304, 0.0424404, 0.2369292],
      [0.5101595, 0.1700889, 0.3197515],
      [0.3669453, 0.5763576, 0.0566971],
      [0.2288534, 0.3012687, 0.4698779],
      [0.2230655, 0.2828198, 0.4941146],
    ],
  ],
];

function expectProba(p: Float32Array, want: number[][], K: number, tol: number): void {
  want.forEach((row, r) => row.forEach((q, k) => expect(Math.abs(p[r * K + k]! - q)).toBeLessThan(tol)));
}

describe('MultinomialLoss', () => {
  it('gradient matches central finite differences', () => {
    // 7 samples, 5 features, 10 classes (stride 16: a full block and a padded one).
    let seed = 11;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const n = 7;
    const d = 5;
    const K = 10;
    const dense = Array.from({ length: n * d }, () => (rnd() < 0.5 ? 0 : rnd() * 2 - 1));
    const X = CsrMatrix.fromDense(n, d, dense);
    const y = Int32Array.from({ length: n }, (_, i) => (i * 3) % K);
    const sw = Float64Array.from({ length: n }, () => 0.5 + rnd());
    const total = sw.reduce((a, b) => a + b, 0);
    sw.forEach((v, i) => (sw[i] = v / total));
    for (const fitIntercept of [true, false]) {
      const loss = new MultinomialLoss(X, y, sw, K, fitIntercept, 0.3);
      const coef = Array.from({ length: d * K }, () => rnd() * 2 - 1);
      const intercept = Array.from({ length: K }, () => rnd() - 0.5);
      const w = loss.pack(coef, intercept);
      const g = new Float64Array(loss.dim);
      loss.evaluate(w, g);
      const h = 1e-6;
      const scratch = new Float64Array(loss.dim);
      let maxErr = 0;
      for (let t = 0; t < loss.dim; t++) {
        const wp = Float64Array.from(w);
        wp[t]! += h;
        const wm = Float64Array.from(w);
        wm[t]! -= h;
        const fd = (loss.evaluate(wp, scratch) - loss.evaluate(wm, scratch)) / (2 * h);
        maxErr = Math.max(maxErr, Math.abs(fd - g[t]!));
      }
      expect(maxErr).toBeLessThan(1e-7);
      // pack / unpack are inverse
      const back = loss.unpack(w);
      expect(Array.from(back.coef)).toEqual(coef);
      if (fitIntercept) expect(Array.from(back.intercept)).toEqual(intercept);
    }
  });

  it('is the weighted mean cross-entropy plus the penalty', () => {
    const X = CsrMatrix.fromDense(2, 1, [1, -1]);
    const loss = new MultinomialLoss(X, Int32Array.from([0, 1]), Float64Array.from([0.5, 0.5]), 2, true, 0.2);
    // W = [[1, -1]], b = 0: z = ±(1, -1) → CE = ln(1 + e^-2) for both; penalty 0.1·(1 + 1)
    const f = loss.evaluate(loss.pack([1, -1], [0, 0]), new Float64Array(loss.dim));
    expect(f).toBeCloseTo(Math.log(1 + Math.exp(-2)) + 0.2, 12);
  });
});

describe('LogisticRegression', () => {
  const { X, y } = referenceData();

  it.each(OPTIMUM)('converges to the exact optimum (%s)', (_name, o, want) => {
    const m = new LogisticRegression({ ...o, tol: 1e-9, maxIter: 1000 }).fit(X, y);
    expect(m.converged).toBe(true);
    expectProba(m.predictProba(X.selectRows(ROWS)), want, 3, 1e-6);
  });

  it.each(SKLEARN)('agrees with scikit-learn 1.2.1 predict_proba (%s)', (_name, o, want) => {
    const m = new LogisticRegression({ ...o, tol: 1e-9, maxIter: 1000 }).fit(X, y);
    expectProba(m.predictProba(X.selectRows(ROWS)), want, 3, 1e-4);
  });

  it("two classes give sklearn's multi_class='multinomial' model", () => {
    // LogisticRegression(solver='lbfgs', multi_class='multinomial', C=1, tol=1e-12).fit(X, y > 0)
    const want = [
      [0.74031, 0.25969],
      [0.504104, 0.495896],
      [0.396657, 0.603343],
      [0.166091, 0.833909],
      [0.222863, 0.777137],
    ];
    const yb = y.map((v) => (v > 0 ? 1 : 0));
    const p = new LogisticRegression({ tol: 1e-9 }).fit(X, yb).predictProba(X.selectRows(ROWS));
    expectProba(p, want, 2, 1e-4);
  });

  it("classWeight 'balanced' equals sample weights n / (K · count)", () => {
    const a = new LogisticRegression({ classWeight: 'balanced', tol: 1e-9 }).fit(X, y);
    const counts = [12, 8, 4];
    const sw = Array.from(y, (c) => 24 / (3 * counts[c]!));
    const b = new LogisticRegression({ tol: 1e-9 }).fit(X, y, { sampleWeight: sw });
    const pa = a.predictProba(X);
    const pb = b.predictProba(X);
    for (let t = 0; t < pa.length; t++) expect(pa[t]).toBeCloseTo(pb[t]!, 6);
  });

  it('reports progress, convergence and iteration limits', () => {
    const losses: number[] = [];
    const m = new LogisticRegression({ C: 10 }).fit(X, y, { onProgress: (_it, loss) => losses.push(loss) });
    expect(m.converged).toBe(true);
    expect(m.nIter).toBe(losses.length);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1]!);
    const short = new LogisticRegression({ C: 10, maxIter: 2 }).fit(X, y);
    expect(short.converged).toBe(false);
    expect(short.nIter).toBe(2);
    expect(short.stopReason).toBe('maxIter');
  });

  it('scores, probabilities and predictions are consistent', () => {
    const m = new LogisticRegression().fit(X, y);
    const z = m.decisionFunction(X);
    const p = m.predictProba(X);
    const pred = m.predict(X);
    for (let i = 0; i < X.rows; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(pred[i]).toBe(row.indexOf(Math.max(...row)));
      expect(Math.log(row[0]! / row[1]!)).toBeCloseTo(z[i * 3]! - z[i * 3 + 1]!, 4);
    }
    expect(m.coef.length).toBe(6 * 3);
    // Huge scores do not overflow the softmax.
    const big = LogisticRegression.fromWeights({}, 1, 2, Float32Array.from([1e30, -1e30]), new Float32Array(2));
    expect(Array.from(big.predictProba(CsrMatrix.fromDense(1, 1, [1])))).toEqual([1, 0]);
  });

  it('handles a class with no samples when nClasses says so', () => {
    const m = new LogisticRegression().fit(X, y, { nClasses: 4 });
    expect(m.nClasses).toBe(4);
    const p = m.predictProba(X);
    for (let i = 0; i < X.rows; i++) expect(p[i * 4 + 3]).toBeLessThan(0.05);
  });

  it('rejects bad input', () => {
    expect(() => new LogisticRegression({ C: 0 })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
    expect(() => new LogisticRegression().fit(X, y.subarray(1))).toThrow(/labels/);
    expect(() => new LogisticRegression().fit(X, new Int32Array(24))).toThrow(/at least 2 classes/);
    expect(() => new LogisticRegression().fit(X, y, { nClasses: 2 })).toThrow(/not below nClasses/);
    expect(() => new LogisticRegression().predictProba(X)).toThrow(expect.objectContaining({ code: 'RTS_ERR_MODEL_NOT_READY' }));
    const m = new LogisticRegression().fit(X, y);
    expect(() => m.predictProba(CsrMatrix.zeros(1, 5))).toThrow(/columns/);
    expect(() => LogisticRegression.fromWeights({}, 2, 3, new Float32Array(5), new Float32Array(3))).toThrow(
      expect.objectContaining({ code: 'RTS_ERR_CORRUPT_MODEL' }),
    );
  });
});
