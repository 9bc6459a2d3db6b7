/**
 * A transform-time accelerator for 'char' and 'char_wb' TF-IDF: the term ids of a document's
 * character n-grams, found by walking a trie of the fitted vocabulary instead of making one
 * string per n-gram and looking it up in a Map (that was most of the scoring time of the FAQ
 * models: ~4,000 n-gram strings for a long question). The n-grams are the analyzer's
 * (`charNgrams`, `charWbNgrams` in analyzer.ts, which stay the reference and what `fit` uses),
 * over Unicode code points as Python indexes strings; test/text/ngram-trie.test.ts checks that
 * both paths give the same matrices.
 *
 * The trie is a double array over the vocabulary's alphabet (code points ranked by frequency):
 * the child of node s by code point rank r is t = base[s] + r if check[t] === s, and term[t] is
 * the term id of that prefix, or -1 (rather than a hash table: a step is an add and a compare,
 * with no hashing, probing or spare load-factor slots). Three Int32Arrays of one entry per node,
 * packed almost without holes, and char n-grams' prefixes are terms too, so ~12 bytes a term on
 * top of the vocabulary Map: 171,412 bytes for the shipped banking77 model's char_wb block
 * (14,119 terms, 14,188 nodes), 345,916 bytes for the faq model's (28,639 terms, 28,710 nodes).
 * Built once, by the first transform (the FAQ matcher's warm-up): 30–70 ms for these two in a
 * fresh process here, most of it the JIT warming up.
 */
import { rtsError } from '../core/errors.js';
import { compareCodePoints, isPySpace } from './unicode.js';

/**
 * The code points of a string into `out` while they fit; returns their number (maybe more than
 * fit). A lone surrogate counts as a code point (it never matches text, which has none).
 */
function codePoints(s: string, out: Int32Array): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    if (c > 0xffff) i++;
    if (n === out.length) return n + 1;
    out[n++] = c;
  }
  return n;
}

export class NgramTrie {
  /** Code point ranks of the current word or text (the unknown rank for code points of no term). */
  private buf: Int32Array = new Int32Array(64);
  /** Term ids found in the current document, with repeats. */
  private ids: Int32Array = new Int32Array(256);
  private nIds = 0;

  private constructor(
    /** 'char_wb': n-grams of each space-padded word; 'char': of the whole text. */
    private readonly wordBounded: boolean,
    private readonly minN: number,
    private readonly maxN: number,
    /** Rank of each code point below 256; of the others in `ranks`; `unknown` when in no term. */
    private readonly latin1: Int32Array,
    private readonly ranks: ReadonlyMap<number, number>,
    private readonly unknown: number,
    private readonly base: Int32Array,
    /** Padded so that base[s] + any rank, `unknown` included, is inside it: no bounds test. */
    private readonly check: Int32Array,
    private readonly term: Int32Array,
  ) {}

  /** The trie of a fitted vocabulary (its terms in column order: unique, in code-point order) for an analyzer and n-gram range. */
  static build(terms: readonly string[], analyzer: 'char' | 'char_wb', ngramRange: readonly [number, number]): NgramTrie {
    const [minN, maxN] = ngramRange;
    // The terms that an n-gram can equal (1 to maxN code points; fewer than minN: a char_wb
    // short word), in code-point order, and how often each code point occurs in them.
    const ids: number[] = [];
    const latin1Count = new Float64Array(256);
    const otherCount = new Map<number, number>();
    const cps = new Int32Array(maxN + 1);
    for (let j = 0; j < terms.length; j++) {
      const n = codePoints(terms[j]!, cps);
      if (n === 0 || n > maxN) continue;
      ids.push(j);
      for (let k = 0; k < n; k++) {
        const c = cps[k]!;
        if (c < 256) latin1Count[c]!++;
        else otherCount.set(c, (otherCount.get(c) ?? 0) + 1);
      }
    }
    for (let k = 1; k < ids.length; k++) {
      if (compareCodePoints(terms[ids[k - 1]!]!, terms[ids[k]!]!) >= 0)
        throw rtsError('INTERNAL', 'n-gram trie: the terms are not unique and in code-point order');
    }
    // Ranks by frequency, so that the common code points (and the nodes' children) sit together.
    const count = (c: number): number => (c < 256 ? latin1Count[c]! : otherCount.get(c)!);
    const alphabet = [...Array.from({ length: 256 }, (_, c) => c).filter((c) => latin1Count[c]! > 0), ...otherCount.keys()];
    alphabet.sort((a, b) => count(b) - count(a) || a - b);
    const nRanks = alphabet.length;
    const latin1 = new Int32Array(256).fill(nRanks);
    const ranks = new Map<number, number>();
    alphabet.forEach((c, r) => (c < 256 ? (latin1[c] = r) : ranks.set(c, r)));

    // A plain trie first (node 0 the root; children in linked lists), built along the sorted
    // terms: a term shares with the previous one the nodes of their common prefix.
    const maxNodes = ids.length * maxN + 1;
    const firstKid = new Int32Array(maxNodes).fill(-1);
    const nextKid = new Int32Array(maxNodes).fill(-1);
    const label = new Int32Array(maxNodes);
    const termOf = new Int32Array(maxNodes).fill(-1);
    const path = new Int32Array(maxN + 1);
    let prev = new Int32Array(maxN + 1);
    let next = cps;
    let prevLen = 0;
    let nNodes = 1;
    for (const j of ids) {
      const n = codePoints(terms[j]!, next);
      let k = 0;
      while (k < n && k < prevLen && next[k] === prev[k]) k++;
      for (; k < n; k++) {
        const c = next[k]!;
        const v = nNodes++;
        label[v] = c < 256 ? latin1[c]! : ranks.get(c)!;
        nextKid[v] = firstKid[path[k]!]!;
        firstKid[path[k]!] = v;
        path[k + 1] = v;
      }
      termOf[path[n]!] = j;
      [prev, next] = [next, prev];
      prevLen = n;
    }

    // Place the nodes, parents first, each node's children at the first base where they all fit.
    let cap = nNodes + nRanks + 1;
    let used = new Uint8Array(cap);
    let base = new Int32Array(cap);
    let check = new Int32Array(cap).fill(-1);
    let term = new Int32Array(cap).fill(-1);
    const grow = (need: number): void => {
      if (need <= cap) return;
      cap = Math.max(need, 2 * cap);
      const u = new Uint8Array(cap);
      u.set(used);
      used = u;
      const b = new Int32Array(cap);
      b.set(base);
      base = b;
      const c = new Int32Array(cap).fill(-1);
      c.set(check);
      check = c;
      const t = new Int32Array(cap).fill(-1);
      t.set(term);
      term = t;
    };
    const slotOf = new Int32Array(nNodes);
    const queue = new Int32Array(nNodes);
    let queued = 1;
    used[0] = 1;
    let firstFree = 1;
    let size = 1;
    let maxBase = 0;
    for (let q = 0; q < queued; q++) {
      const v = queue[q]!;
      const s = slotOf[v]!;
      if (firstKid[v] === -1) continue;
      let lo = nRanks;
      let hi = 0;
      for (let u = firstKid[v]!; u !== -1; u = nextKid[u]!) {
        lo = Math.min(lo, label[u]!);
        hi = Math.max(hi, label[u]!);
      }
      let b = 0;
      for (let p = Math.max(firstFree, lo); ; p++) {
        if (used[p] === 1) continue;
        grow(p + hi - lo + 1);
        b = p - lo;
        let u = firstKid[v]!;
        while (u !== -1 && used[b + label[u]!] === 0) u = nextKid[u]!;
        if (u === -1) break;
      }
      base[s] = b;
      maxBase = Math.max(maxBase, b);
      for (let u = firstKid[v]!; u !== -1; u = nextKid[u]!) {
        const t = b + label[u]!;
        used[t] = 1;
        check[t] = s;
        term[t] = termOf[u]!;
        slotOf[u] = t;
        size = Math.max(size, t + 1);
        queue[queued++] = u;
      }
      while (used[firstFree]) firstFree++;
    }
    const paddedCheck = new Int32Array(Math.max(size, maxBase + nRanks + 1)).fill(-1);
    paddedCheck.set(check.subarray(0, size));
    return new NgramTrie(analyzer === 'char_wb', minN, maxN, latin1, ranks, nRanks, base.slice(0, size), paddedCheck, term.slice(0, size));
  }

  /** Bytes held by the trie's tables (the Map of code points above U+00FF counted at ~16 bytes an entry). */
  get byteLength(): number {
    return this.latin1.byteLength + 16 * this.ranks.size + this.base.byteLength + this.check.byteLength + this.term.byteLength;
  }

  /**
   * Term ids of the n-grams of a preprocessed document (lowercased etc. as the analyzer does),
   * with repeats, in no particular order: a view valid until the next call.
   */
  termIds(text: string): Int32Array {
    const len = text.length;
    if (this.buf.length < len + 2) this.buf = new Int32Array(Math.max(len + 2, 2 * this.buf.length));
    const buf = this.buf;
    this.nIds = 0;
    let w = 0;
    if (this.wordBounded) {
      // sklearn's char_wb: each maximal run of non-whitespace, with one space on each side.
      const space = this.rankOf(0x20);
      buf[0] = space;
      for (let i = 0; i < len; ) {
        let c = text.charCodeAt(i++);
        if (isPySpace(c)) {
          if (w > 0) {
            buf[w + 1] = space;
            this.walk(w + 2);
            w = 0;
          }
          continue;
        }
        if (c >= 0xd800 && c < 0xdc00 && i < len) {
          const d = text.charCodeAt(i);
          if (d >= 0xdc00 && d < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          }
        }
        buf[++w] = this.rankOf(c);
      }
      if (w > 0) {
        buf[w + 1] = space;
        this.walk(w + 2);
      }
    } else {
      // sklearn's char: the whole text, each run of two or more whitespace characters one space.
      for (let i = 0; i < len; ) {
        let c = text.charCodeAt(i++);
        if (isPySpace(c)) {
          if (i < len && isPySpace(text.charCodeAt(i))) {
            c = 0x20;
            while (i < len && isPySpace(text.charCodeAt(i))) i++;
          }
        } else if (c >= 0xd800 && c < 0xdc00 && i < len) {
          const d = text.charCodeAt(i);
          if (d >= 0xdc00 && d < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          }
        }
        buf[w++] = this.rankOf(c);
      }
      this.walk(w);
    }
    return this.ids.subarray(0, this.nIds);
  }

  private rankOf(c: number): number {
    return c < 256 ? this.latin1[c]! : (this.ranks.get(c) ?? this.unknown);
  }

  /**
   * Count the terms among buf[0..len)'s windows of minN to maxN code points, and for char_wb
   * the whole of a padded word shorter than minN: exactly the n-grams of the analyzer.
   */
  private walk(len: number): void {
    const { buf, base, check, term, minN, maxN } = this;
    let ids = this.ids;
    let n = this.nIds;
    for (let i = 0; i < len; i++) {
      const end = Math.min(i + maxN, len);
      const emitFrom = i + minN - 1;
      let node = 0;
      for (let k = i; k < end; k++) {
        const t = base[node]! + buf[k]!;
        if (check[t] !== node) break;
        node = t;
        if (k >= emitFrom) {
          const id = term[t]!;
          if (id >= 0) {
            if (n === ids.length) ids = this.growIds();
            ids[n++] = id;
          }
        }
      }
    }
    if (this.wordBounded && len < minN) {
      let node = 0;
      let k = 0;
      for (; k < len; k++) {
        const t = base[node]! + buf[k]!;
        if (check[t] !== node) break;
        node = t;
      }
      if (k === len && term[node]! >= 0) {
        if (n === ids.length) ids = this.growIds();
        ids[n++] = term[node]!;
      }
    }
    this.nIds = n;
  }

  private growIds(): Int32Array {
    const ids = new Int32Array(2 * this.ids.length);
    ids.set(this.ids);
    this.ids = ids;
    return ids;
  }
}
