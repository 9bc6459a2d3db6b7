/**
 * TF-IDF features like scikit-learn's `TfidfVectorizer` (CountVectorizer + TfidfTransformer)
 * for the options implemented here. Term ids follow the code-point order of the terms
 * (sklearn sorts its vocabulary), so a vocabulary is the sorted term list.
 *
 * Weighting of a document, in sklearn's order: raw counts (1 when `binary`), then
 * `1 + ln(tf)` when `sublinearTf`, times idf when `useIdf`
 * (`ln((1 + n) / (1 + df)) + 1` when `smoothIdf`, else `ln(n / df) + 1`), then the
 * row is scaled to unit L2 or L1 norm (`norm`). Computed in float64, stored in float32.
 */
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import { type Analyzer, type AnalyzerOptions, analyzerOptionsSchema, buildAnalyzer, preprocess, type ResolvedAnalyzerOptions } from './analyzer.js';
import { numpyArgsort } from './argsort.js';
import { NgramTrie } from './ngram-trie.js';
import { positiveInteger, resolveOptions } from './options.js';
import { corrupt, type SectionReader, type SectionWriter } from './sections.js';
import { sortIds } from './sort-ids.js';
import { CsrBuilder, type CsrMatrix } from './sparse.js';
import { compareCodePoints } from './unicode.js';

/**
 * A document-frequency bound. Plain numbers follow sklearn, where an int is a count of
 * documents and a float in [0, 1] a proportion — except that JS cannot tell 1 from 1.0,
 * so a plain `1` means sklearn's default for that option: `minDf: 1` = at least one
 * document, `maxDf: 1` = 100% of documents. Use `{ count }` / `{ proportion }` to be explicit.
 */
export type DfLimit = number | { count: number } | { proportion: number };
export type ResolvedDfLimit = { count: number } | { proportion: number };

export interface TfidfOptions extends AnalyzerOptions {
  /** Ignore terms in fewer documents than this. Default 1 (a count). */
  minDf?: DfLimit;
  /** Ignore terms in more documents than this. Default 1 (= 100%, a proportion). */
  maxDf?: DfLimit;
  /** Keep only this many terms, those with the largest total count over the corpus. Default null (all). */
  maxFeatures?: number | null;
  /** Multiply by inverse document frequency. Default true. */
  useIdf?: boolean;
  /** Add one to document frequencies, as if one extra document held every term. Default true. */
  smoothIdf?: boolean;
  /** Replace tf by 1 + ln(tf). Default false. */
  sublinearTf?: boolean;
  /** Row normalisation. Default 'l2'. */
  norm?: 'l2' | 'l1' | null;
  /** Count a term once per document. Default false. */
  binary?: boolean;
}

export interface ResolvedTfidfOptions extends ResolvedAnalyzerOptions {
  minDf: ResolvedDfLimit;
  maxDf: ResolvedDfLimit;
  maxFeatures: number | null;
  useIdf: boolean;
  smoothIdf: boolean;
  sublinearTf: boolean;
  norm: 'l2' | 'l1' | null;
  binary: boolean;
}

/** A vectorizer's part of a model file's header. */
export interface TfidfState {
  options: ResolvedTfidfOptions;
  nTerms: number;
}

export interface TfidfVectorizerJSON {
  kind: 'TfidfVectorizer';
  options: ResolvedTfidfOptions;
  terms: string[];
  idf: number[];
}

const DF_RULE = 'an integer count >= 1, a proportion in [0, 1], {count} or {proportion}';

/** A document-frequency bound: a plain 1 means sklearn's default for that option (see DfLimit). */
function dfLimit(name: 'minDf' | 'maxDf') {
  const dflt: ResolvedDfLimit = name === 'minDf' ? { count: 1 } : { proportion: 1 };
  return z
    .union([z.number(), z.object({ count: z.number() }), z.object({ proportion: z.number() })], { error: `must be ${DF_RULE}` })
    .optional()
    .transform((v, ctx): ResolvedDfLimit => {
      if (v === undefined || v === 1) return { ...dflt };
      if (typeof v === 'number') {
        if (Number.isInteger(v) && v > 1) return { count: v };
        if (v >= 0 && v < 1) return { proportion: v };
      } else if ('count' in v) {
        if (Number.isInteger(v.count) && v.count >= 0) return { count: v.count };
      } else if (v.proportion >= 0 && v.proportion <= 1) {
        return { proportion: v.proportion };
      }
      ctx.addIssue({ code: 'custom', message: `must be ${DF_RULE}; got ${JSON.stringify(v)}` });
      return z.NEVER;
    });
}

/** The options' constraints and defaults (the stored, resolved options are its output). */
export const tfidfOptionsSchema = analyzerOptionsSchema.extend({
  minDf: dfLimit('minDf'),
  maxDf: dfLimit('maxDf'),
  maxFeatures: positiveInteger().nullable().default(null),
  useIdf: z.boolean().default(true),
  smoothIdf: z.boolean().default(true),
  sublinearTf: z.boolean().default(false),
  norm: z.enum(['l2', 'l1']).nullable().default('l2'),
  binary: z.boolean().default(false),
});

export function resolveTfidfOptions(o: TfidfOptions = {}): ResolvedTfidfOptions {
  return resolveOptions(tfidfOptionsSchema, o);
}

function dfBound(limit: ResolvedDfLimit, nDocs: number): number {
  return 'count' in limit ? limit.count : limit.proportion * nDocs;
}

/** Sort term ids by code point order of their terms (native comparison when it agrees). */
function sortIdsByTerm(ids: number[], terms: readonly string[]): number[] {
  const astral = terms.some((t) => /[\uD800-\uDFFF]/.test(t));
  if (astral) return ids.sort((a, b) => compareCodePoints(terms[a]!, terms[b]!));
  return ids.sort((a, b) => {
    const x = terms[a]!;
    const y = terms[b]!;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Raw term counts of a corpus: CSR-like rows of (term id, count), ids unsorted within rows. */
interface Counts {
  indptr: number[];
  ids: number[];
  counts: number[];
}

export class TfidfVectorizer {
  readonly options: ResolvedTfidfOptions;
  private readonly analyze: Analyzer;
  private vocab: Map<string, number> | null = null;
  private terms: string[] = [];
  private idfValues: Float64Array = new Float64Array(0);
  /** For 'char' / 'char_wb': the vocabulary as a trie, built by the first transform. */
  private trie: NgramTrie | null = null;
  /** Per-feature scratch counts for transform, zero between calls. */
  private scratch: Float64Array = new Float64Array(0);
  /** Columns of the current row, and their weights before normalisation. */
  private touched = new Int32Array(64);
  private rowValues = new Float64Array(64);

  constructor(options: TfidfOptions = {}) {
    this.options = resolveTfidfOptions(options);
    this.analyze = buildAnalyzer(this.options);
  }

  get fitted(): boolean {
    return this.vocab !== null;
  }

  /** Term → column. */
  get vocabulary(): ReadonlyMap<string, number> {
    return this.requireFitted();
  }

  /** Inverse document frequency per column (all ones when `useIdf` is false). */
  get idf(): Float64Array {
    this.requireFitted();
    return this.idfValues;
  }

  get nFeatures(): number {
    return this.terms.length;
  }

  /** Terms by column, in code-point order (sklearn's `get_feature_names_out`). */
  getFeatureNames(): string[] {
    this.requireFitted();
    return [...this.terms];
  }

  /** The analysis chain (preprocess, tokenize/n-grams) applied to one document. */
  analyzeDocument(doc: string): string[] {
    return this.analyze(doc);
  }

  fit(docs: readonly string[]): this {
    this.fitTransform(docs);
    return this;
  }

  fitTransform(docs: readonly string[]): CsrMatrix {
    checkDocs(docs);
    const o = this.options;
    const vocab = new Map<string, number>();
    const counts = this.count(docs, vocab);
    const nTerms = vocab.size;
    if (nTerms === 0) throw rtsError('INVALID_INPUT', 'empty vocabulary; perhaps the documents only contain stop words');
    if (o.binary) counts.counts.fill(1);

    const df = new Float64Array(nTerms);
    const tf = new Float64Array(nTerms);
    for (let p = 0; p < counts.ids.length; p++) {
      df[counts.ids[p]!]! += 1;
      tf[counts.ids[p]!]! += counts.counts[p]!;
    }
    const nDocs = docs.length;
    const high = dfBound(o.maxDf, nDocs);
    const low = dfBound(o.minDf, nDocs);
    if (high < low) throw rtsError('INVALID_INPUT', 'maxDf corresponds to fewer documents than minDf');

    const allTerms = [...vocab.keys()];
    const sorted = sortIdsByTerm(
      Array.from({ length: nTerms }, (_, i) => i),
      allTerms,
    );
    let kept = sorted.filter((id) => df[id]! <= high && df[id]! >= low);
    if (o.maxFeatures !== null && kept.length > o.maxFeatures) {
      // Largest corpus count first, as sklearn: `(-tfs[mask]).argsort()[:limit]` over the
      // sorted terms. NumPy's argsort is not stable, so we replay it to keep the same
      // terms among those tied at the cut-off.
      const order = numpyArgsort(kept.map((id) => -tf[id]!));
      const keep = new Set<number>();
      for (let r = 0; r < o.maxFeatures; r++) keep.add(kept[order[r]!]!);
      kept = kept.filter((id) => keep.has(id));
    }
    if (kept.length === 0) throw rtsError('INVALID_INPUT', 'after pruning, no terms remain; try a lower minDf or a higher maxDf');

    const newId = new Int32Array(nTerms).fill(-1);
    kept.forEach((id, j) => (newId[id] = j));
    const terms = kept.map((id) => allTerms[id]!);
    const idf = new Float64Array(kept.length).fill(1);
    if (o.useIdf) {
      const s = o.smoothIdf ? 1 : 0;
      for (let j = 0; j < kept.length; j++) idf[j] = Math.log((nDocs + s) / (df[kept[j]!]! + s)) + 1;
    }
    this.setFitted(terms, idf);

    // Re-use the counts instead of analysing the corpus again.
    const out = new CsrBuilder(nDocs, counts.ids.length);
    const scratch = this.scratch;
    for (let d = 0; d < nDocs; d++) {
      const touched = this.touchedBuffer(counts.indptr[d + 1]! - counts.indptr[d]!);
      let nt = 0;
      for (let p = counts.indptr[d]!; p < counts.indptr[d + 1]!; p++) {
        const j = newId[counts.ids[p]!]!;
        if (j < 0) continue;
        scratch[j] = counts.counts[p]!;
        touched[nt++] = j;
      }
      this.emitRow(touched, nt, out);
      out.endRow();
    }
    return out.finish(this.terms.length);
  }

  /** TF-IDF rows of the documents; terms outside the vocabulary are ignored. */
  transform(docs: readonly string[]): CsrMatrix {
    return this.transformDocs(docs, this.options.analyzer === 'word' ? null : this.ngramTrie());
  }

  /**
   * @internal `transform` by the analyzer's n-gram strings looked up in the vocabulary, never
   * by the trie of 'char' / 'char_wb': the reference that test/text/ngram-trie.test.ts holds it to.
   */
  transformByStrings(docs: readonly string[]): CsrMatrix {
    return this.transformDocs(docs, null);
  }

  /** @internal Bytes of the transform's n-gram trie (0 for 'word'); builds it if need be. */
  get trieByteLength(): number {
    return this.options.analyzer === 'word' ? 0 : this.ngramTrie().byteLength;
  }

  private ngramTrie(): NgramTrie {
    const o = this.options;
    this.requireFitted();
    this.trie ??= NgramTrie.build(this.terms, o.analyzer === 'char' ? 'char' : 'char_wb', o.ngramRange);
    return this.trie;
  }

  private transformDocs(docs: readonly string[], trie: NgramTrie | null): CsrMatrix {
    checkDocs(docs);
    this.requireFitted();
    const out = new CsrBuilder(docs.length, 64 * docs.length);
    for (let d = 0; d < docs.length; d++) {
      this.appendDoc(docs[d]!, trie, out, 0, 1);
      out.endRow();
    }
    return out.finish(this.terms.length);
  }

  /**
   * @internal Add document `doc`'s TF-IDF entries to the row `out` is filling, columns shifted
   * by `offset` and values times `weight` (as `CsrMatrix.hstack` would place this block), without
   * ending the row: a pipeline fills one row from all its vectorizers, with no block matrices
   * and no hstack copy in between. The caller has checked that `doc` is a string and the
   * vectorizer is fitted (TextPipeline.transform, once per call).
   */
  appendRow(doc: string, out: CsrBuilder, offset: number, weight: number): void {
    this.appendDoc(doc, this.options.analyzer === 'word' ? null : this.ngramTrie(), out, offset, weight);
  }

  private appendDoc(doc: string, trie: NgramTrie | null, out: CsrBuilder, offset: number, weight: number): void {
    const scratch = this.scratch;
    let nt = 0;
    let touched: Int32Array;
    if (trie !== null) {
      const ids = trie.termIds(preprocess(doc, this.options));
      touched = this.touchedBuffer(ids.length);
      for (let q = 0; q < ids.length; q++) {
        const j = ids[q]!;
        if (scratch[j] === 0) touched[nt++] = j;
        scratch[j]! += 1;
      }
    } else {
      const vocab = this.vocab!;
      const tokens = this.analyze(doc);
      touched = this.touchedBuffer(tokens.length);
      for (let q = 0; q < tokens.length; q++) {
        const j = vocab.get(tokens[q]!);
        if (j === undefined) continue;
        if (scratch[j] === 0) touched[nt++] = j;
        scratch[j]! += 1;
      }
    }
    this.emitRow(touched, nt, out, offset, weight);
  }

  toJSON(): TfidfVectorizerJSON {
    this.requireFitted();
    return { kind: 'TfidfVectorizer', options: this.options, terms: [...this.terms], idf: Array.from(this.idfValues) };
  }

  /**
   * Saved state of feature block `b`: the header part (options, term count) and the arrays
   * `terms.<b>.lengths` (uint32, UTF-16 length of each term), `terms.<b>.text` (the terms
   * concatenated, UTF-8: one decode plus slicing when loading) and `idf.<b>` (float64).
   */
  toSections(out: SectionWriter, b: number): TfidfState {
    const terms = this.getFeatureNames();
    out.uint32(
      `terms.${b}.lengths`,
      Uint32Array.from(terms, (t) => t.length),
    );
    out.utf8(`terms.${b}.text`, new TextEncoder().encode(terms.join('')));
    out.float64(`idf.${b}`, this.idf);
    return { options: this.options, nTerms: terms.length };
  }

  static fromSections(state: TfidfState, from: SectionReader, b: number): TfidfVectorizer {
    if (!Number.isSafeInteger(state?.nTerms) || state.nTerms < 0) corrupt(`feature block ${b} has a bad term count`);
    if (typeof state.options !== 'object' || state.options === null) corrupt(`feature block ${b} has no options`);
    const lengths = from.uint32(`terms.${b}.lengths`, state.nTerms);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(from.utf8(`terms.${b}.text`));
    } catch (err) {
      return corrupt(`terms of feature block ${b} are not valid UTF-8`, err);
    }
    const terms = new Array<string>(state.nTerms);
    let pos = 0;
    for (let j = 0; j < state.nTerms; j++) {
      const len = lengths[j]!;
      if (pos + len > text.length) corrupt(`inconsistent shapes: term lengths of feature block ${b} exceed its text`);
      terms[j] = text.slice(pos, pos + len);
      pos += len;
    }
    if (pos !== text.length) corrupt(`inconsistent shapes: term lengths of feature block ${b} do not cover its text`);
    return TfidfVectorizer.fromFitted(state.options, terms, from.float64(`idf.${b}`, state.nTerms));
  }

  static fromJSON(obj: unknown): TfidfVectorizer {
    const o = obj as Partial<TfidfVectorizerJSON> | null;
    if (o === null || typeof o !== 'object' || o.kind !== 'TfidfVectorizer' || !Array.isArray(o.terms) || !Array.isArray(o.idf)) {
      throw rtsError('CORRUPT_MODEL', 'not a TfidfVectorizer JSON object');
    }
    return TfidfVectorizer.fromFitted(o.options ?? {}, o.terms, Float64Array.from(o.idf));
  }

  /**
   * A fitted vectorizer from its learned state: terms in column order (must be unique and
   * in code-point order) and their idf. Throws CORRUPT_MODEL when they do not fit together.
   */
  static fromFitted(options: TfidfOptions | ResolvedTfidfOptions, terms: readonly string[], idf: Float64Array): TfidfVectorizer {
    const v = new TfidfVectorizer(options as TfidfOptions);
    if (terms.length !== idf.length) {
      throw rtsError('CORRUPT_MODEL', `vectorizer has ${terms.length} terms but ${idf.length} idf values`);
    }
    for (let j = 0; j < terms.length; j++) {
      if (typeof terms[j] !== 'string') throw rtsError('CORRUPT_MODEL', `term ${j} is not a string`);
      if (j > 0 && compareCodePoints(terms[j - 1]!, terms[j]!) >= 0) {
        throw rtsError('CORRUPT_MODEL', `vocabulary is not sorted / has duplicates at term ${j}`);
      }
      if (!(idf[j]! >= 1) || !Number.isFinite(idf[j]!)) throw rtsError('CORRUPT_MODEL', `idf of term ${j} is not a finite number >= 1`);
    }
    v.setFitted([...terms], idf);
    return v;
  }

  private setFitted(terms: string[], idf: Float64Array): void {
    const vocab = new Map<string, number>();
    for (let j = 0; j < terms.length; j++) vocab.set(terms[j]!, j);
    this.vocab = vocab;
    this.trie = null;
    this.terms = terms;
    this.idfValues = idf;
    this.scratch = new Float64Array(terms.length);
  }

  private requireFitted(): Map<string, number> {
    if (this.vocab === null) throw rtsError('MODEL_NOT_READY', 'TfidfVectorizer is not fitted');
    return this.vocab;
  }

  /** Count terms of each document, growing `vocab` in order of first appearance. */
  private count(docs: readonly string[], vocab: Map<string, number>): Counts {
    const indptr = [0];
    const ids: number[] = [];
    const counts: number[] = [];
    const lastDoc: number[] = [];
    const where: number[] = [];
    for (let d = 0; d < docs.length; d++) {
      for (const t of this.analyze(docs[d]!)) {
        let id = vocab.get(t);
        if (id === undefined) {
          id = vocab.size;
          vocab.set(t, id);
          lastDoc.push(-1);
          where.push(0);
        }
        if (lastDoc[id] === d) {
          counts[where[id]!]! += 1;
        } else {
          lastDoc[id] = d;
          where[id] = ids.length;
          ids.push(id);
          counts.push(1);
        }
      }
      indptr.push(ids.length);
    }
    return { indptr, ids, counts };
  }

  /** A scratch list of at least n term ids (reused between documents). */
  private touchedBuffer(n: number): Int32Array {
    if (this.touched.length < n) {
      this.touched = new Int32Array(Math.max(n, 2 * this.touched.length));
      this.rowValues = new Float64Array(this.touched.length);
    }
    return this.touched;
  }

  /**
   * Append one row: the columns touched[0..nt) (any order) with raw counts in `scratch`.
   * Sorts the columns, applies tf / idf / norm, writes the row and zeroes the scratch.
   */
  private emitRow(touched: Int32Array, nt: number, out: CsrBuilder, offset = 0, weight = 1): void {
    const o = this.options;
    const idf = this.idfValues;
    const scratch = this.scratch;
    const cols = sortIds(touched.subarray(0, nt));
    const base = out.reserve(nt);
    const ids = out.indices;
    const vals = out.data;
    let norm = 0;
    for (let q = 0; q < nt; q++) {
      const j = cols[q]!;
      let v = o.binary ? 1 : scratch[j]!;
      scratch[j] = 0;
      if (o.sublinearTf) v = v < SUBLINEAR_TF.length ? SUBLINEAR_TF[v]! : 1 + Math.log(v);
      if (o.useIdf) v *= idf[j]!;
      norm += o.norm === 'l1' ? Math.abs(v) : v * v;
      ids[base + q] = j + offset;
      this.rowValues[q] = v;
    }
    const scale = o.norm === null || norm === 0 ? 1 : o.norm === 'l2' ? 1 / Math.sqrt(norm) : 1 / norm;
    // Rounded to f32 first, then weighted: the values hstack gives a weighted block.
    if (weight === 1) for (let q = 0; q < nt; q++) vals[base + q] = this.rowValues[q]! * scale;
    else for (let q = 0; q < nt; q++) vals[base + q] = Math.fround(this.rowValues[q]! * scale) * weight;
    out.append(nt);
  }
}

/** 1 + ln(count) for small counts: the same doubles as computing it, without a log per term. */
const SUBLINEAR_TF = Float64Array.from({ length: 256 }, (_v, count) => 1 + Math.log(count));

function checkDocs(docs: readonly string[]): void {
  if (!Array.isArray(docs)) throw rtsError('INVALID_INPUT', 'documents must be an array of strings');
  for (let i = 0; i < docs.length; i++) {
    if (typeof docs[i] !== 'string') throw rtsError('INVALID_INPUT', `document ${i} is not a string`);
  }
}
