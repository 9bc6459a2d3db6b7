/**
 * The n-gram trie (src/text/ngram-trie.ts) is only an accelerator: TfidfVectorizer.transform
 * through it must give, bit for bit, the matrix of the string path (the analyzer's n-grams
 * looked up in the vocabulary, proven against scikit-learn in analyzer.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLabelledSet } from '../../src/tasks/faq/data/load-banking77.js';
import { loadTsvSet } from '../../src/tasks/faq/data/load-tsv-set.js';
import { defaultInput } from '../../src/tasks/faq/data/paths.js';
import { type CsrMatrix, type TfidfOptions, TfidfVectorizer } from '../../src/text/index.js';
import { NgramTrie } from '../../src/text/ngram-trie.js';
import { compareCodePoints, isPySpace, PY_SPACE_CHARS } from '../../src/text/unicode.js';

function bytes(a: Int32Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The trie path and the string path give identical matrices (compared as bytes). */
function expectSameTransform(v: TfidfVectorizer, docs: readonly string[]): CsrMatrix {
  const fast = v.transform(docs);
  const reference = v.transformByStrings(docs);
  expect([fast.rows, fast.cols]).toEqual([reference.rows, reference.cols]);
  expect(bytes(fast.indptr).equals(bytes(reference.indptr))).toBe(true);
  expect(bytes(fast.indices).equals(bytes(reference.indices))).toBe(true);
  expect(bytes(fast.data).equals(bytes(reference.data))).toBe(true);
  return fast;
}

/** The models' char options (banking77's with minDf 2), and char 1–3. */
const CONFIGS: Array<[string, TfidfOptions]> = [
  ['char_wb 2-5 sublinear', { analyzer: 'char_wb', ngramRange: [2, 5], sublinearTf: true }],
  ['char_wb 2-5 sublinear minDf 2', { analyzer: 'char_wb', ngramRange: [2, 5], sublinearTf: true, minDf: 2 }],
  ['char 1-3', { analyzer: 'char', ngramRange: [1, 3] }],
];

describe.each([
  ['banking77', async () => (await loadLabelledSet(defaultInput('banking77'))).input],
  ['travel-se-dups', async () => (await loadTsvSet(defaultInput('faq'))).input],
] as const)('the shipped %s questions', (_name, load) => {
  let questions: string[] = [];
  beforeAll(async () => {
    const input = await load();
    questions = [...input.originals, ...input.duplicates].map((q) => q.text);
  });

  it.each(CONFIGS)('%s: the trie gives the string path’s matrix for every question', (_config, options) => {
    // Fitted on two thirds, so that the rest has n-grams outside the vocabulary.
    const v = new TfidfVectorizer(options).fit(questions.filter((_q, i) => i % 3 !== 0));
    const X = expectSameTransform(v, questions);
    expect(X.indices.length).toBeGreaterThan(questions.length * 10);
  });
});

const EDGE_DOCS = [
  '',
  ' ',
  '\t\n',
  'a',
  'a b c d',
  'I a m ok',
  'ab',
  'abc abcd abcde abcdef',
  'Hi  you\tthere!',
  'emoji 😀😀 test 𝒜𝒷𝒸 astral 😀',
  '😀',
  'x😀y z 😀😀😀😀😀😀',
  'lone \ud83d surrogate \ude00 here\ud800',
  '\ud800',
  'Café crème brûlée — naïve façade, résumé; ÀÉÎÕÜ',
  'ﬁne ½ Ⅳ ㎒ ǅ', // NFKD expands these
  'İstanbul ΟΔΟΣ Straße',
  'no\u00a0break\u2003em\u3000ideographic\u2028line\u0085next\u001cfs',
  '  leading and trailing  ',
  'tabs\tand\nnewlines\r\nand\u000bvt\fff',
  'single\tspace\nchars stay in char',
  '日本語のテキスト 中文文本 한국어 텍스트',
  'हिन्दी भाषा ภาษาไทย',
  'Zero\u200bwidth\ufeffnot space',
  'the quick brown fox jumps over the lazy dog, the quick brown fox',
];

const UNSEEN_DOCS = ['zzz qqq', 'Ωμέγα ωμέγα', '🙂🙃 ok', 'completely different words here', 'a', ''];

const RANGES: Array<readonly [number, number]> = [
  [1, 1],
  [1, 3],
  [2, 2],
  [2, 5],
  [3, 3],
  [4, 6],
  [5, 5],
  [6, 9],
];

describe('hand-made edge cases', () => {
  const cases: Array<[string, TfidfOptions]> = [];
  for (const analyzer of ['char_wb', 'char'] as const) {
    for (const ngramRange of RANGES) {
      cases.push([`${analyzer} ${ngramRange.join('-')}`, { analyzer, ngramRange: [...ngramRange] }]);
    }
    cases.push([`${analyzer} 2-4 stripAccents unicode`, { analyzer, ngramRange: [2, 4], stripAccents: 'unicode' }]);
    cases.push([`${analyzer} 1-4 no lowercase`, { analyzer, ngramRange: [1, 4], lowercase: false }]);
    cases.push([`${analyzer} 2-3 raw counts`, { analyzer, ngramRange: [2, 3], useIdf: false, norm: null }]);
  }

  it.each(cases)('%s', (_name, options) => {
    const v = new TfidfVectorizer(options).fit(EDGE_DOCS);
    expectSameTransform(v, [...EDGE_DOCS, ...UNSEEN_DOCS]);
    // One document at a time too (the trie's buffers are reused between documents).
    for (const doc of [...EDGE_DOCS, ...UNSEEN_DOCS]) expectSameTransform(v, [doc]);
    // A vocabulary of only part of the n-grams: terms absent, walks that stop early.
    const terms = v.getFeatureNames();
    const some = terms.filter((_t, j) => j % 3 === 1);
    const partial = TfidfVectorizer.fromFitted(v.options, some, new Float64Array(some.length).fill(1.5));
    expectSameTransform(partial, EDGE_DOCS);
  });

  it('short char_wb words (padded shorter than minN) count as themselves, once', () => {
    const v = new TfidfVectorizer({ analyzer: 'char_wb', ngramRange: [4, 5], useIdf: false, norm: null }).fit(['a bb ccc', 'a 😀']);
    // ' ccc ' is the whole padded word as a 5-gram, ' a ' and ' 😀 ' the whole word as the short case.
    expect(v.getFeatureNames()).toEqual([' a ', ' bb ', ' ccc', ' ccc ', ' 😀 ', 'ccc ']);
    const X = expectSameTransform(v, ['a a bb 😀 ccc dd', 'x']);
    expect(Array.from(X.indices)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(X.data)).toEqual([2, 1, 1, 1, 1, 1]);
  });

  it('vocabularies that no analyzer made: empty, too long, too short and lone-surrogate terms', () => {
    const terms = ['', ' ', ' a', ' a ', ' ab ', 'a', 'ab', 'abc', 'abcdefgh', 'b', 'b ', '\ud800', '😀', '😀😀'].sort(compareCodePoints);
    for (const analyzer of ['char', 'char_wb'] as const) {
      for (const ngramRange of [
        [1, 2],
        [2, 3],
        [3, 4],
      ] as const) {
        const v = TfidfVectorizer.fromFitted({ analyzer, ngramRange: [...ngramRange] }, terms, new Float64Array(terms.length).fill(1));
        expectSameTransform(v, ['a ab abc', 'b  a\ud800', '😀😀 😀', 'abcdefgh', '']);
      }
    }
  });

  it('no n-gram of the vocabulary fits the range', () => {
    const v = TfidfVectorizer.fromFitted({ analyzer: 'char', ngramRange: [1, 2] }, ['abc', 'abcd'], Float64Array.of(1, 1));
    const X = expectSameTransform(v, ['abc abcd', '']);
    expect(X.indices.length).toBe(0);
  });

  it('builds one trie, which costs about 12 bytes a term', () => {
    const v = new TfidfVectorizer({ analyzer: 'char_wb', ngramRange: [2, 5] }).fit(EDGE_DOCS);
    const trie = NgramTrie.build(v.getFeatureNames(), 'char_wb', [2, 5]);
    expect(v.trieByteLength).toBe(trie.byteLength);
    expect(trie.byteLength).toBeLessThan(1024 + 16 * 80 + 16 * v.nFeatures);
    expect(new TfidfVectorizer().fit(EDGE_DOCS).trieByteLength).toBe(0);
  });

  it('rejects terms that are not unique and in code-point order', () => {
    expect(() => NgramTrie.build(['b', 'a'], 'char', [1, 1])).toThrow(/code-point order/);
    expect(() => NgramTrie.build(['a', 'a'], 'char', [1, 1])).toThrow(/code-point order/);
  });
});

describe('isPySpace', () => {
  it('is PY_SPACE_CHARS, for every UTF-16 code unit', () => {
    const re = new RegExp(`^[${PY_SPACE_CHARS}]$`, 'u');
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      if (isPySpace(c) !== re.test(String.fromCharCode(c))) wrong.push(c);
    }
    expect(wrong).toEqual([]);
  });
});
