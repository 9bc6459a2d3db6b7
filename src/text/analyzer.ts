/**
 * Text analysis as scikit-learn's `CountVectorizer.build_analyzer()` does it:
 * preprocess (lowercase, then strip accents), then either tokenize with a regular
 * expression + stop words + word n-grams, or cut character n-grams ('char', 'char_wb').
 *
 * Differences from Python (all small, all deliberate):
 * - Unicode character classes come from Node's ICU, which may know a newer Unicode
 *   version than CPython 3.11 (14.0); only characters assigned since then can differ.
 * - Lone UTF-16 surrogates (invalid text) are replaced by U+FFFD before analysis.
 * - `tokenPattern` is Python syntax translated by `compilePythonPattern` (see there).
 */
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import { resolveOptions } from './options.js';
import { compilePythonPattern, countGroups } from './pattern.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';
import { COMBINING_CHAR_RE, hasSurrogates, PY_SPACE_CHARS, PY_WORD_CHARS } from './unicode.js';

export type AnalyzerKind = 'word' | 'char' | 'char_wb';

export interface AnalyzerOptions {
  /** Lowercase before tokenizing (Python `str.lower`). Default true. */
  lowercase?: boolean;
  /** 'word' tokens, 'char' n-grams, or 'char_wb' n-grams inside space-padded words. Default 'word'. */
  analyzer?: AnalyzerKind;
  /** Smallest and largest n of the n-grams. Default [1, 1]. */
  ngramRange?: readonly [number, number];
  /** Python-syntax regular expression of a token ('word' only). Default `(?u)\b\w\w+\b`. */
  tokenPattern?: string;
  /** Tokens to drop before n-grams ('word' only): a list, 'english' (sklearn's list) or null. Default null. */
  stopWords?: readonly string[] | 'english' | null;
  /** 'unicode': NFKD then drop combining characters (sklearn's strip_accents_unicode). Default null. */
  stripAccents?: 'unicode' | null;
}

/** Options with every default filled in; what a fitted vectorizer stores. */
export interface ResolvedAnalyzerOptions {
  lowercase: boolean;
  analyzer: AnalyzerKind;
  ngramRange: [number, number];
  tokenPattern: string;
  stopWords: string[] | 'english' | null;
  stripAccents: 'unicode' | null;
}

export const DEFAULT_TOKEN_PATTERN = '(?u)\\b\\w\\w+\\b';

/**
 * `\b\w\w+\b` with Python's Unicode `\w` is exactly "a maximal run of two or more word
 * characters", which this simpler expression finds without look-arounds (faster).
 */
const DEFAULT_TOKEN_RE = new RegExp(`[${PY_WORD_CHARS}]{2,}`, 'gu');
const LONE_SURROGATE_RE = /\p{Cs}/u;
const LONE_SURROGATES_RE = /\p{Cs}/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range, control characters included, on purpose.
const ASCII_RE = /^[\x00-\x7f]*$/;
const MULTI_SPACE_RE = new RegExp(`[${PY_SPACE_CHARS}]{2,}`, 'gu');
const SPACE_SPLIT_RE = new RegExp(`[${PY_SPACE_CHARS}]+`, 'u');

/** The analysis options' constraints and defaults (extended by the TF-IDF vectorizer's schema). */
export const analyzerOptionsSchema = z.object({
  lowercase: z.boolean().default(true),
  analyzer: z.enum(['word', 'char', 'char_wb']).default('word'),
  ngramRange: z
    .tuple([z.number(), z.number()])
    .refine(([min, max]) => Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min, {
      error: (issue) => `must be [min, max] integers with 1 <= min <= max, got ${JSON.stringify(issue.input)}`,
    })
    .default((): [number, number] => [1, 1]),
  tokenPattern: z.string().default(DEFAULT_TOKEN_PATTERN),
  stopWords: z
    .union([z.literal('english'), z.array(z.string())], { error: "must be a list of words, 'english' or null" })
    .nullable()
    .default(null),
  stripAccents: z.literal('unicode').nullable().default(null),
});

export function resolveAnalyzerOptions(o: AnalyzerOptions = {}): ResolvedAnalyzerOptions {
  return resolveOptions(analyzerOptionsSchema, o);
}

/** sklearn's `strip_accents_unicode`: NFKD, then drop characters with a non-zero combining class. */
export function stripAccentsUnicode(s: string): string {
  if (ASCII_RE.test(s)) return s;
  return s.normalize('NFKD').replace(COMBINING_CHAR_RE, '');
}

/** Lowercase, then strip accents (sklearn's order in `_preprocess`). */
export function preprocess(doc: string, o: Pick<ResolvedAnalyzerOptions, 'lowercase' | 'stripAccents'>): string {
  let s = LONE_SURROGATE_RE.test(doc) ? doc.replace(LONE_SURROGATES_RE, '\uFFFD') : doc;
  if (o.lowercase) s = s.toLowerCase();
  if (o.stripAccents === 'unicode') s = stripAccentsUnicode(s);
  return s;
}

/** A tokenizer like `re.compile(pattern).findall`: group 1 when the pattern has exactly one group. */
export function buildTokenizer(pattern: string): (doc: string) => string[] {
  if (pattern === DEFAULT_TOKEN_PATTERN) {
    return (doc) => doc.match(DEFAULT_TOKEN_RE) ?? [];
  }
  const re = compilePythonPattern(pattern);
  const groups = countGroups(re);
  if (groups > 1) {
    throw rtsError('INVALID_INPUT', `more than 1 capturing group in token pattern ${JSON.stringify(pattern)}; only a single group should be captured`);
  }
  if (groups === 0) return (doc) => doc.match(re) ?? [];
  return (doc) => {
    const out: string[] = [];
    for (const m of doc.matchAll(re)) out.push(m[1] ?? '');
    return out;
  };
}

/** sklearn's `_word_ngrams`: drop stop words, then n-grams joined by a space, by n then position. */
export function wordNgrams(tokens: readonly string[], ngramRange: readonly [number, number], stopWords: ReadonlySet<string> | null = null): string[] {
  const toks = stopWords === null ? tokens : tokens.filter((t) => !stopWords.has(t));
  let [minN, maxN] = ngramRange;
  if (maxN === 1) return toks === tokens ? [...toks] : (toks as string[]);
  const out: string[] = [];
  if (minN === 1) {
    for (const t of toks) out.push(t);
    minN = 2;
  }
  const len = toks.length;
  for (let n = minN; n <= Math.min(maxN, len); n++) {
    for (let i = 0; i + n <= len; i++) {
      let g = toks[i]!;
      for (let k = 1; k < n; k++) g += ` ${toks[i + k]!}`;
      out.push(g);
    }
  }
  return out;
}

/** Code points of a string (Python indexes strings by code point, JS by UTF-16 unit). */
function chars(s: string): string[] | string {
  return hasSurrogates(s) ? Array.from(s) : s;
}

function slice(cs: string[] | string, start: number, end: number): string {
  return typeof cs === 'string' ? cs.slice(start, end) : cs.slice(start, end).join('');
}

/** Collapse runs of two or more whitespace characters into one space (sklearn's `\s\s+` → ' '). */
export function normalizeWhitespace(s: string): string {
  return s.replace(MULTI_SPACE_RE, ' ');
}

/** sklearn's `_char_ngrams`: all n-grams of the whitespace-normalised text, by n then position. */
export function charNgrams(text: string, ngramRange: readonly [number, number]): string[] {
  const cs = chars(normalizeWhitespace(text));
  const len = cs.length;
  const [minN, maxN] = ngramRange;
  const out: string[] = [];
  for (let n = minN; n <= Math.min(maxN, len); n++) {
    for (let i = 0; i + n <= len; i++) out.push(slice(cs, i, i + n));
  }
  return out;
}

/**
 * sklearn's `_char_wb_ngrams`: for each whitespace-separated word padded with one space
 * on each side, its n-grams for each n; a word shorter than n yields itself once and
 * stops the larger n for that word.
 */
export function charWbNgrams(text: string, ngramRange: readonly [number, number]): string[] {
  const [minN, maxN] = ngramRange;
  const out: string[] = [];
  for (const word of normalizeWhitespace(text).split(SPACE_SPLIT_RE)) {
    if (word === '') continue;
    const w = chars(` ${word} `);
    const wLen = w.length;
    for (let n = minN; n <= maxN; n++) {
      let offset = 0;
      out.push(slice(w, offset, offset + n));
      while (offset + n < wLen) {
        offset += 1;
        out.push(slice(w, offset, offset + n));
      }
      if (offset === 0) break;
    }
  }
  return out;
}

export type Analyzer = (doc: string) => string[];

/** The whole analysis chain for one document, like sklearn's `build_analyzer()`. */
export function buildAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const o = resolveAnalyzerOptions(options);
  const range = o.ngramRange;
  if (o.analyzer === 'char') return (doc) => charNgrams(preprocess(doc, o), range);
  if (o.analyzer === 'char_wb') return (doc) => charWbNgrams(preprocess(doc, o), range);
  const tokenize = buildTokenizer(o.tokenPattern);
  const stop = o.stopWords === null ? null : o.stopWords === 'english' ? ENGLISH_STOP_WORDS : new Set(o.stopWords);
  return (doc) => wordNgrams(tokenize(preprocess(doc, o)), range, stop);
}
