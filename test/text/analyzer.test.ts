import { describe, expect, it } from 'vitest';
import { type AnalyzerOptions, buildAnalyzer, charWbNgrams, stripAccentsUnicode, wordNgrams } from '../../src/text/analyzer.js';
import { compilePythonPattern } from '../../src/text/pattern.js';
import { compareCodePoints } from '../../src/text/unicode.js';

/**
 * Expected outputs are scikit-learn's, computed with scikit-learn 1.2.1 (CPython 3.11.2,
 * Debian 12) as `CountVectorizer(**kw).build_analyzer()(doc)`, kw given in each row.
 */
const SKLEARN_CASES: Array<[string, AnalyzerOptions, string[]]> = [
  ['Café crème brûlée — naïve façade, résumé 2024; ÀÉÎÕÜ', {}, ['café', 'crème', 'brûlée', 'naïve', 'façade', 'résumé', '2024', 'àéîõü']],
  // strip_accents='unicode'
  [
    'Café crème brûlée — naïve façade, résumé 2024; ÀÉÎÕÜ',
    { stripAccents: 'unicode' },
    ['cafe', 'creme', 'brulee', 'naive', 'facade', 'resume', '2024', 'aeiou'],
  ],
  // 'İ'.lower() is 'i' + U+0307 (a mark, not \w), so only 'stanbul' remains; final sigma.
  ['Straße größer İstanbul ΟΔΟΣ Σίσυφος', {}, ['straße', 'größer', 'stanbul', 'οδος', 'σίσυφος']],
  ['日本語のテキスト 中文文本 한국어 텍스트 a b c', {}, ['日本語のテキスト', '中文文本', '한국어', '텍스트']],
  // Devanagari vowel signs are marks (not \w in Python), which split the words into single letters.
  ['हिन्दी भाषा ภาษาไทย', {}, ['ภาษาไทย']],
  ['snake_case and CamelCase with x2 y_ z9 __init__', { lowercase: false }, ['snake_case', 'and', 'CamelCase', 'with', 'x2', 'y_', 'z9', '__init__']],
  ['emoji 😀😀 test 𝒜𝒷𝒸 astral', {}, ['emoji', 'test', '𝒜𝒷𝒸', 'astral']],
  // ngram_range=(1, 3)
  [
    'the quick brown fox jumps',
    { ngramRange: [1, 3] },
    ['the', 'quick', 'brown', 'fox', 'jumps', 'the quick', 'quick brown', 'brown fox', 'fox jumps', 'the quick brown', 'quick brown fox', 'brown fox jumps'],
  ],
  // ngram_range=(2, 2), stop_words='english': stop words go before the n-grams are formed
  ['the quick brown fox is not here', { ngramRange: [2, 2], stopWords: 'english' }, ['quick brown', 'brown fox']],
  // token_pattern=r'(?u)\b\w+\b', ngram_range=(1, 4): n stops at the number of tokens
  ['a b', { ngramRange: [1, 4], tokenPattern: '(?u)\\b\\w+\\b' }, ['a', 'b', 'a b']],
  // analyzer='char_wb', ngram_range=(2, 3)
  [
    'Hi  you\tthere!',
    { analyzer: 'char_wb', ngramRange: [2, 3] },
    [
      ' h',
      'hi',
      'i ',
      ' hi',
      'hi ',
      ' y',
      'yo',
      'ou',
      'u ',
      ' yo',
      'you',
      'ou ',
      ' t',
      'th',
      'he',
      'er',
      're',
      'e!',
      '! ',
      ' th',
      'the',
      'her',
      'ere',
      're!',
      'e! ',
    ],
  ],
  // analyzer='char_wb', ngram_range=(3, 5): a short word counts once and stops larger n
  ['a bcd', { analyzer: 'char_wb', ngramRange: [3, 5] }, [' a ', ' bc', 'bcd', 'cd ', ' bcd', 'bcd ', ' bcd ']],
  // analyzer='char', ngram_range=(1, 2): a single tab is not collapsed, two spaces are
  [
    'Hi  you\tthere!',
    { analyzer: 'char', ngramRange: [1, 2] },
    ['h', 'i', ' ', 'y', 'o', 'u', '\t', 't', 'h', 'e', 'r', 'e', '!', 'hi', 'i ', ' y', 'yo', 'ou', 'u\t', '\tt', 'th', 'he', 'er', 're', 'e!'],
  ],
  // astral characters count as one character, as in Python
  ['go 😀x', { analyzer: 'char_wb', ngramRange: [2, 3] }, [' g', 'go', 'o ', ' go', 'go ', ' 😀', '😀x', 'x ', ' 😀x', '😀x ']],
  // Python whitespace: \x85 and \x1c split words, \xa0 too
  [
    'tabs\tand\nnew\u00a0nb\u0085nel\u001cfs x',
    { analyzer: 'char_wb', ngramRange: [1, 1] },
    [
      ' ',
      't',
      'a',
      'b',
      's',
      ' ',
      ' ',
      'a',
      'n',
      'd',
      ' ',
      ' ',
      'n',
      'e',
      'w',
      ' ',
      ' ',
      'n',
      'b',
      ' ',
      ' ',
      'n',
      'e',
      'l',
      ' ',
      ' ',
      'f',
      's',
      ' ',
      ' ',
      'x',
      ' ',
    ],
  ],
  // one capturing group: findall returns the group
  ["I'm walking and singing, don't stop", { tokenPattern: '(?u)(\\w+)ing\\b' }, ['walk', 'sing']],
  ["I'm walking and singing, don't stop", { tokenPattern: "[a-z]+(?:'[a-z]+)?" }, ["i'm", 'walking', 'and', 'singing', "don't", 'stop']],
  ['ABC def GHIJ', { lowercase: false, tokenPattern: '(?i)[A-Z]{3,}' }, ['ABC', 'def', 'GHIJ']],
];

describe('buildAnalyzer (agrees with scikit-learn 1.2.1)', () => {
  it.each(SKLEARN_CASES.map(([doc, o, want], i) => [i, doc, o, want] as const))('case %i: %j', (_i, doc, o, want) => {
    expect(buildAnalyzer(o)(doc)).toEqual(want);
  });

  it('default pattern and its Python spelling give the same tokens', () => {
    const doc = 'Ünïcode wörds, x y z, 12 345 _a ab_ 😀 日本';
    const viaFastPath = buildAnalyzer({})(doc);
    // Same pattern written differently, so it goes through the general translator.
    const viaTranslator = buildAnalyzer({ tokenPattern: '(?u)\\b\\w\\w+\\b(?:)' })(doc);
    expect(viaTranslator).toEqual(viaFastPath);
    expect(viaFastPath).toEqual(['ünïcode', 'wörds', '12', '345', '_a', 'ab_', '日本']);
  });

  it('rejects bad options and patterns with INVALID_INPUT', () => {
    expect(() => buildAnalyzer({ ngramRange: [2, 1] })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
    expect(() => buildAnalyzer({ analyzer: 'bytes' as never })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
    expect(() => buildAnalyzer({ tokenPattern: '(a)(b)' })).toThrow(/more than 1 capturing group/);
    expect(() => buildAnalyzer({ tokenPattern: '[\\W]' })).toThrow(/inside a character class/);
    expect(() => buildAnalyzer({ tokenPattern: '(' })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
  });

  it('replaces lone surrogates instead of producing malformed terms', () => {
    expect(buildAnalyzer({ analyzer: 'char', ngramRange: [1, 1] })('a\uD800')).toEqual(['a', '\uFFFD']);
  });
});

describe('pattern translation', () => {
  it('gives \\w, \\d, \\b Python Unicode meaning', () => {
    expect('naïve café'.match(compilePythonPattern('\\b\\w+\\b'))).toEqual(['naïve', 'café']);
    expect('٣4x'.match(compilePythonPattern('\\d+'))).toEqual(['٣4']);
    expect('éa'.match(compilePythonPattern('(?a)\\w+'))).toEqual(['a']);
    expect('a{b}'.match(compilePythonPattern('{b}'))).toEqual(['{b}']);
    expect('aaa'.match(compilePythonPattern('a{,2}'))).toEqual(['aa', 'a', '']);
    expect('x\ny'.match(compilePythonPattern('.+'))).toEqual(['x', 'y']);
    expect('ab'.match(compilePythonPattern('(?P<x>a)(?P=x)?b'))).toEqual(['ab']);
  });
});

describe('n-gram helpers', () => {
  it('wordNgrams matches sklearn _word_ngrams order', () => {
    expect(wordNgrams(['a', 'b', 'c'], [2, 3])).toEqual(['a b', 'b c', 'a b c']);
    expect(wordNgrams(['a', 'b', 'c'], [1, 1], new Set(['b']))).toEqual(['a', 'c']);
    expect(wordNgrams([], [1, 3])).toEqual([]);
  });

  it('charWbNgrams pads words and handles short words once', () => {
    expect(charWbNgrams('ab', [1, 2])).toEqual([' ', 'a', 'b', ' ', ' a', 'ab', 'b ']);
    expect(charWbNgrams('  ', [1, 2])).toEqual([]);
  });

  it('stripAccentsUnicode drops only non-zero combining classes', () => {
    expect(stripAccentsUnicode('ﬁ Ångström')).toBe('fi Angstrom');
    // U+0E31 (Thai vowel sign, combining class 0) stays, like Python's unicodedata.combining.
    expect(stripAccentsUnicode('\u0e01\u0e31')).toBe('\u0e01\u0e31');
  });

  it('compareCodePoints orders astral characters after U+FFFF like Python', () => {
    const terms = ['\uffff', '😀', 'a', '\ue000'];
    expect([...terms].sort(compareCodePoints)).toEqual(['a', '\ue000', '\uffff', '😀']);
    expect([...terms].sort()).not.toEqual(['a', '\ue000', '\uffff', '😀']);
  });
});
