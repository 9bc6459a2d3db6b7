import { describe, expect, it } from 'vitest';
import { type TfidfOptions, TfidfVectorizer } from '../../src/text/index.js';

const DOCS = ['the cat sat', 'the dog sat', 'the cat and the dog'];

function dense(v: TfidfVectorizer, docs: string[]): number[][] {
  const X = v.transform(docs);
  const d = X.toDense();
  return Array.from({ length: X.rows }, (_, i) => Array.from(d.subarray(i * X.cols, (i + 1) * X.cols)));
}

function expectClose(actual: number[][], expected: number[][], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, digits)));
}

describe('TfidfVectorizer: values worked out by hand from the sklearn formulas', () => {
  it('default options (smooth idf, l2)', () => {
    const v = new TfidfVectorizer().fit(DOCS);
    expect(v.getFeatureNames()).toEqual(['and', 'cat', 'dog', 'sat', 'the']);
    // n = 3; df: and 1, cat 2, dog 2, sat 2, the 3; idf = ln((1 + n) / (1 + df)) + 1
    const idfAnd = Math.log(4 / 2) + 1;
    const idf2 = Math.log(4 / 3) + 1;
    expect(Array.from(v.idf)).toEqual([idfAnd, idf2, idf2, idf2, 1]);
    // doc 0: cat, sat, the once each → (idf2, idf2, 1) / ‖·‖
    const n0 = Math.sqrt(2 * idf2 ** 2 + 1);
    // doc 2: 'the' twice → (idfAnd, idf2, idf2, 2) / ‖·‖
    const n2 = Math.sqrt(idfAnd ** 2 + 2 * idf2 ** 2 + 4);
    expectClose(dense(v, DOCS), [
      [0, idf2 / n0, 0, idf2 / n0, 1 / n0],
      [0, 0, idf2 / n0, idf2 / n0, 1 / n0],
      [idfAnd / n2, idf2 / n2, idf2 / n2, 0, 2 / n2],
    ]);
  });

  it('smoothIdf false and sublinear tf', () => {
    const v = new TfidfVectorizer({ smoothIdf: false, sublinearTf: true }).fit(DOCS);
    // idf = ln(n / df) + 1; doc 2's 'the' has tf 1 + ln 2
    const a = Math.log(3) + 1;
    const b = Math.log(3 / 2) + 1;
    const t = 1 + Math.log(2);
    const n2 = Math.sqrt(a * a + 2 * b * b + t * t);
    expectClose(dense(v, [DOCS[2]!]), [[a / n2, b / n2, b / n2, 0, t / n2]]);
  });
});

/**
 * The same corpus through scikit-learn 1.2.1 (numpy 1.24.2):
 *   v = TfidfVectorizer(**kw); v.fit_transform(['the cat sat', 'the dog sat', 'the cat and the dog'])
 *   v.transform(['the cat cat zebra']).toarray()
 */
describe('TfidfVectorizer: agrees with scikit-learn 1.2.1', () => {
  const cases: Array<[string, TfidfOptions, number[][], number[]]> = [
    [
      '{}',
      {},
      [
        [0, 0.61980538, 0, 0.61980538, 0.48133417],
        [0, 0, 0.61980538, 0.61980538, 0.48133417],
        [0.53058735, 0.40352536, 0.40352536, 0, 0.62674687],
      ],
      [0, 0.93219169, 0, 0, 0.361965],
    ],
    [
      'smooth_idf=False, sublinear_tf=True',
      { smoothIdf: false, sublinearTf: true },
      [
        [0, 0.6316672, 0, 0.6316672, 0.44943642],
        [0, 0, 0.6316672, 0.6316672, 0.44943642],
        [0.62647696, 0.41955892, 0.41955892, 0, 0.50543767],
      ],
      [0, 0.92190697, 0, 0, 0.38741133],
    ],
    [
      "norm='l1', use_idf=False",
      { norm: 'l1', useIdf: false },
      [
        [0, 1 / 3, 0, 1 / 3, 1 / 3],
        [0, 0, 1 / 3, 1 / 3, 1 / 3],
        [0.2, 0.2, 0.2, 0, 0.4],
      ],
      [0, 0.66666667, 0, 0, 0.33333333],
    ],
    [
      'binary=True, norm=None',
      { binary: true, norm: null },
      [
        [0, 1.28768207, 0, 1.28768207, 1],
        [0, 0, 1.28768207, 1.28768207, 1],
        [1.69314718, 1.28768207, 1.28768207, 0, 1],
      ],
      [0, 1.28768207, 0, 0, 1],
    ],
  ];
  it.each(cases)('%s', (_name, o, train, unseen) => {
    const v = new TfidfVectorizer(o);
    const X = v.fitTransform(DOCS);
    const d = X.toDense();
    expectClose(
      Array.from({ length: 3 }, (_, i) => Array.from(d.subarray(i * 5, i * 5 + 5))),
      train,
    );
    // fitTransform and transform agree; unknown words are ignored.
    expectClose(dense(v, DOCS), train);
    expectClose(dense(v, ['the cat cat zebra']), [unseen]);
  });
});

describe('TfidfVectorizer: vocabulary pruning like scikit-learn 1.2.1', () => {
  // Results of TfidfVectorizer(**kw).fit(GREEK).get_feature_names_out(), scikit-learn 1.2.1.
  const GREEK = [
    'alpha beta gamma delta',
    'epsilon zeta eta theta',
    'iota kappa lambda mu',
    'nu xi omicron pi',
    'rho sigma tau upsilon',
    'phi chi psi omega',
    'alpha beta alpha',
  ];
  const SINGLES = [
    'chi',
    'delta',
    'epsilon',
    'eta',
    'gamma',
    'iota',
    'kappa',
    'lambda',
    'mu',
    'nu',
    'omega',
    'omicron',
    'phi',
    'pi',
    'psi',
    'rho',
    'sigma',
    'tau',
    'theta',
    'upsilon',
    'xi',
    'zeta',
  ];

  it('maxFeatures keeps the most frequent, ties cut in numpy argsort order', () => {
    // max_features=5: alpha (3), beta (2), then 3 of 22 terms tied at 1; numpy's unstable
    // argsort picks tau, theta, upsilon (not the alphabetically first ones).
    expect(new TfidfVectorizer({ maxFeatures: 5 }).fit(GREEK).getFeatureNames()).toEqual(['alpha', 'beta', 'tau', 'theta', 'upsilon']);
    expect(new TfidfVectorizer({ maxFeatures: 5, binary: true }).fit(GREEK).getFeatureNames()).toEqual(['alpha', 'beta', 'tau', 'theta', 'upsilon']);
  });

  it('minDf and maxDf as counts and proportions', () => {
    expect(new TfidfVectorizer({ minDf: 2 }).fit(GREEK).getFeatureNames()).toEqual(['alpha', 'beta']);
    expect(new TfidfVectorizer({ maxDf: { count: 1 } }).fit(GREEK).getFeatureNames()).toEqual(SINGLES); // max_df=1 (int)
    expect(new TfidfVectorizer({ maxDf: 0.2 }).fit(GREEK).getFeatureNames()).toEqual(SINGLES);
    expect(new TfidfVectorizer({ minDf: 0.2, maxDf: 0.9 }).fit(GREEK).getFeatureNames()).toEqual(['alpha', 'beta']);
    // A plain 1 keeps sklearn's defaults: minDf 1 document, maxDf 100%.
    expect(new TfidfVectorizer({ minDf: 1, maxDf: 1 }).fit(GREEK).nFeatures).toBe(24);
  });

  it('rejects impossible bounds and empty vocabularies', () => {
    expect(() => new TfidfVectorizer({ minDf: 3, maxDf: 2 }).fit(GREEK)).toThrow(/maxDf corresponds to fewer documents than minDf/);
    expect(() => new TfidfVectorizer({ minDf: 5 }).fit(GREEK)).toThrow(/no terms remain/);
    expect(() => new TfidfVectorizer({ stopWords: 'english' }).fit(['the a of', 'and or'])).toThrow(/empty vocabulary/);
    expect(() => new TfidfVectorizer({ minDf: 1.5 })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
    expect(() => new TfidfVectorizer({ maxFeatures: 0 })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
  });
});

describe('TfidfVectorizer: char_wb and behaviour', () => {
  it('char_wb vocabulary matches scikit-learn 1.2.1', () => {
    // TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 3)).fit(['Hi you', 'you!']).get_feature_names_out()
    const v = new TfidfVectorizer({ analyzer: 'char_wb', ngramRange: [2, 3] }).fit(['Hi you', 'you!']);
    expect(v.getFeatureNames()).toEqual([' h', ' hi', ' y', ' yo', '! ', 'hi', 'hi ', 'i ', 'ou', 'ou ', 'ou!', 'u ', 'u!', 'u! ', 'yo', 'you']);
  });

  it('orders the vocabulary by code point, like Python', () => {
    const v = new TfidfVectorizer({ analyzer: 'char', ngramRange: [1, 1], lowercase: false }).fit(['😀\uffffaZ\ue000']);
    expect(v.getFeatureNames()).toEqual(['Z', 'a', '\ue000', '\uffff', '😀']);
  });

  it('rows are sorted, unit-norm, and an unknown document is an empty row', () => {
    const v = new TfidfVectorizer({ ngramRange: [1, 2] }).fit(DOCS);
    const X = v.transform(['dog the cat the sat', 'nothing known here', '']);
    X.validate();
    const norms = X.rowNorms();
    expect(norms[0]).toBeCloseTo(1, 6);
    expect(norms[1]).toBe(0);
    expect(X.indptr[3]! - X.indptr[1]!).toBe(0);
  });

  it('round-trips through JSON', () => {
    const v = new TfidfVectorizer({ sublinearTf: true, ngramRange: [1, 2], stopWords: ['sat'] }).fit(DOCS);
    const w = TfidfVectorizer.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(w.getFeatureNames()).toEqual(v.getFeatureNames());
    expect(w.transform(DOCS).toDense()).toEqual(v.transform(DOCS).toDense());
    expect(() => TfidfVectorizer.fromJSON({ kind: 'TfidfVectorizer', options: {}, terms: ['b', 'a'], idf: [1, 1] })).toThrow(/not sorted/);
  });

  it('is not usable before fit', () => {
    expect(() => new TfidfVectorizer().transform(['x'])).toThrow(expect.objectContaining({ code: 'RTS_ERR_MODEL_NOT_READY' }));
  });
});
