/**
 * A nearest-neighbour vote in a network's hidden layer, blended into its probabilities.
 *
 * The network's last layer is a linear classifier over the hidden activations; the same
 * activations of the training questions, kept as a memory, also classify by similarity: a
 * new question's k most similar training questions (cosine of the hidden vectors) vote for
 * their classes with weights exp((s − 1) / temperature). Paraphrases of a training question
 * land close to it in that space even where the linear layer is unsure, which is what the
 * vote adds. Only training questions of the network's `candidates` most probable classes are
 * compared, which bounds the cost per question (classes × their questions × hidden units):
 * the vote re-ranks the network's best few, where its mistakes are (on BANKING77 the true class
 * is among the network's best 3 for ≈ 97.5 % of questions).
 *
 *     w = weight · M^confidence      M = the network's probability of the candidate classes
 *     p = (1 − w) · p_network + w · p_vote
 *
 * Classes without a vote keep (1 − w) of the network's probability, so the full ranking
 * stays meaningful. Scaling the vote's share by M keeps a vague question vague: when the
 * network spreads its probability over many classes ("help"), the nearest questions still
 * agree on some class, and an unscaled vote would hand that class most of the probability.
 */
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import { nonNegativeNumber, numberWhere, positiveInteger, positiveNumber, resolveOptions } from './options.js';
import type { KernelMemory, Region } from './simd/kernels.js';

export interface NeighbourOptions {
  /** Neighbours that vote. Default 5. */
  k?: number;
  /** Softmax temperature over cosine similarities (smaller = the nearest count more). Default 0.01. */
  temperature?: number;
  /** Share of the vote in the output probabilities, 0..1. Default 0.8. */
  weight?: number;
  /** Only training questions of the network's top `candidates` classes are compared. Default 3. */
  candidates?: number;
  /**
   * Exponent on the network's probability of the candidate classes, which scales the vote's
   * share (see above); 0 = the vote always gets `weight`. Default 4. Model files written
   * before this option existed load with 0, the behaviour they were trained with.
   */
  confidence?: number;
}

export type ResolvedNeighbourOptions = Required<NeighbourOptions>;

/** The options' constraints and defaults (the stored, resolved options are its output). */
export const neighbourOptionsSchema = z.object({
  k: positiveInteger().default(5),
  temperature: positiveNumber().default(0.01),
  weight: numberWhere((v) => v >= 0 && v <= 1, 'in [0, 1]').default(0.8),
  candidates: positiveInteger().default(3),
  confidence: nonNegativeNumber().default(4),
});

export function resolveNeighbourOptions(o: NeighbourOptions = {}): ResolvedNeighbourOptions {
  return resolveOptions(neighbourOptionsSchema, o, 'neighbours.');
}

/** Where a memory's rows live: regions of the network's kernel memory (simd/kernels.ts). */
export interface NeighbourStore {
  kernels: KernelMemory;
  /** size × dim values: the rows, question-major, classes in order. */
  rows: Region;
  /** At least the largest class's question count: one class's similarities. */
  sims: Region;
}

/**
 * L2-normalised hidden vectors of the training questions, grouped by class. In memory each
 * question's vector is one contiguous row (question-major), in the network's kernel memory,
 * so comparing a question with a class is one `dotRows` sweep in WebAssembly SIMD (`vectors`
 * gives the file's unit-major layout back for saving).
 */
export class NeighbourMemory {
  readonly options: ResolvedNeighbourOptions;
  readonly dim: number;
  /** Rows classStart[c] .. classStart[c+1]-1 belong to class c; length classes + 1. */
  readonly classStart: Int32Array;
  private readonly store: NeighbourStore;
  // Scratch for one question (scoring is synchronous, so one set per memory is enough).
  private readonly order: Int32Array;
  private readonly topSim: Float64Array;
  private readonly topClass: Int32Array;
  private readonly vote: Float64Array;

  /**
   * A memory over rows already in `store` (see `build` and `fromVectors`). Throws
   * CORRUPT_MODEL when a value is not finite.
   */
  constructor(options: NeighbourOptions, dim: number, classStart: Int32Array, store: NeighbourStore) {
    this.options = resolveNeighbourOptions(options);
    const { size, largest } = checkLayout(dim, classStart);
    const K = classStart.length - 1;
    if (store.rows.length !== size * dim || store.sims.length < largest) throw rtsError('INVALID_INPUT', 'neighbour memory: regions of the wrong size');
    const rows = store.rows.f32;
    for (let q = 0; q < rows.length; q++) {
      if (!Number.isFinite(rows[q]!)) throw rtsError('CORRUPT_MODEL', `neighbour memory value ${q} is not finite`);
    }
    this.dim = dim;
    this.classStart = classStart;
    this.store = store;
    this.order = new Int32Array(K);
    this.topSim = new Float64Array(this.options.k);
    this.topClass = new Int32Array(this.options.k);
    this.vote = new Float64Array(K);
  }

  /**
   * The regions a memory of these classes needs (lengths in values): `rows` and `sims`.
   * Throws CORRUPT_MODEL when the class offsets are not 0, then ascending.
   */
  static layout(dim: number, classStart: Int32Array): { rows: number; sims: number } {
    const { size, largest } = checkLayout(dim, classStart);
    return { rows: size * dim, sims: largest };
  }

  /** Rows by class from labels: classStart[c] = the questions of classes before c. */
  static classStartOf(labels: Int32Array, classes: number): Int32Array {
    const classStart = new Int32Array(classes + 1);
    for (let i = 0; i < labels.length; i++) classStart[labels[i]! + 1]!++;
    for (let c = 0; c < classes; c++) classStart[c + 1]! += classStart[c]!;
    return classStart;
  }

  /**
   * The memory of hidden vectors `hiddenOf(i)` (dim values each) of questions with these
   * labels, `classStart = classStartOf(labels, classes)`: rows are normalised in float64 (an
   * all-zero row stays zero and never wins a vote) and grouped by class into `store.rows`.
   */
  static build(
    options: NeighbourOptions,
    dim: number,
    labels: Int32Array,
    classStart: Int32Array,
    store: NeighbourStore,
    hiddenOf: (i: number) => ArrayLike<number>,
  ): NeighbourMemory {
    const next = classStart.slice(0, classStart.length - 1);
    const rows = store.rows.f32;
    for (let i = 0; i < labels.length; i++) {
      const h = hiddenOf(i);
      let norm = 0;
      for (let u = 0; u < dim; u++) norm += h[u]! ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      const at = next[labels[i]!]!++ * dim;
      for (let u = 0; u < dim; u++) rows[at + u] = h[u]! * scale;
    }
    return new NeighbourMemory(options, dim, classStart, store);
  }

  /**
   * The memory of saved `vectors` (the file's layout: class c's block starts at
   * classStart[c] · dim and holds dim rows of its question count, unit-major), put
   * question-major into `store.rows`. `vectors` may be `store.rows.f32` itself (the file's
   * layout read into place): each class block is transposed through a copy of that block.
   */
  static fromVectors(options: NeighbourOptions, dim: number, vectors: Float32Array, classStart: Int32Array, store: NeighbourStore): NeighbourMemory {
    const { size, largest } = checkLayout(dim, classStart);
    if (vectors.length !== size * dim) throw rtsError('CORRUPT_MODEL', `neighbour memory: ${vectors.length} values do not make ${size} rows of ${dim}`);
    const rows = store.rows.f32;
    const unitMajor = new Float32Array(largest * dim);
    for (let c = 0; c + 1 < classStart.length; c++) {
      const count = classStart[c + 1]! - classStart[c]!;
      const block = classStart[c]! * dim;
      unitMajor.set(vectors.subarray(block, block + count * dim));
      for (let u = 0; u < dim; u++) for (let e = 0; e < count; e++) rows[block + e * dim + u] = unitMajor[u * count + e]!;
    }
    return new NeighbourMemory(options, dim, classStart, store);
  }

  /** The saved layout (see `fromVectors`). A fresh copy. */
  get vectors(): Float32Array {
    const { dim, classStart } = this;
    const rows = this.store.rows.f32;
    const out = new Float32Array(rows.length);
    for (let c = 0; c + 1 < classStart.length; c++) {
      const count = classStart[c + 1]! - classStart[c]!;
      const block = classStart[c]! * dim;
      for (let u = 0; u < dim; u++) for (let e = 0; e < count; e++) out[block + u * count + e] = rows[block + e * dim + u]!;
    }
    return out;
  }

  get classes(): number {
    return this.classStart.length - 1;
  }

  /** Training questions in the memory. */
  get size(): number {
    return this.classStart[this.classes]!;
  }

  /**
   * Blend the vote into `proba` (the network's probabilities for one question, in place),
   * given that question's hidden vector (non-negative: ReLU outputs), a region of the same
   * kernel memory as the rows. The similarities are the f32 dot products with the
   * unnormalised vector, scaled by 1/‖hidden‖ in float64.
   */
  blend(hidden: Region, proba: Float64Array): void {
    const { k, temperature, weight, confidence } = this.options;
    const H = this.dim;
    const K = this.classes;
    const { order, topSim, topClass, vote, classStart } = this;
    const { kernels, rows, sims } = this.store;
    const h = hidden.f32;
    let norm = 0;
    for (let u = 0; u < H; u++) {
      const v = h[u]!;
      norm += v * v;
    }
    if (norm === 0 || weight === 0) return;
    const scale = 1 / Math.sqrt(norm);

    // The candidate classes: the network's most probable ones, and their probability mass.
    const candidates = Math.min(this.options.candidates, K);
    for (let c = 0; c < K; c++) order[c] = c;
    let mass = 0;
    for (let a = 0; a < candidates; a++) {
      let best = a;
      for (let b = a + 1; b < K; b++) if (proba[order[b]!]! > proba[order[best]!]!) best = b;
      const t = order[a]!;
      order[a] = order[best]!;
      order[best] = t;
      mass += proba[order[a]!]!;
    }

    // The k most similar training questions of those classes (kept sorted, best first).
    topSim.fill(-Infinity);
    const s32 = sims.f32;
    for (let a = 0; a < candidates; a++) {
      const c = order[a]!;
      const count = classStart[c + 1]! - classStart[c]!;
      kernels.dotRows(hidden.ptr, rows.ptr + classStart[c]! * H * 4, count, H, sims.ptr);
      for (let e = 0; e < count; e++) {
        const s = s32[e]! * scale;
        if (s <= topSim[k - 1]!) continue;
        let j = k - 1;
        for (; j > 0 && topSim[j - 1]! < s; j--) {
          topSim[j] = topSim[j - 1]!;
          topClass[j] = topClass[j - 1]!;
        }
        topSim[j] = s;
        topClass[j] = c;
      }
    }

    vote.fill(0);
    let total = 0;
    for (let j = 0; j < k; j++) {
      if (topSim[j] === -Infinity) break;
      const w = Math.exp((topSim[j]! - 1) / temperature);
      vote[topClass[j]!]! += w;
      total += w;
    }
    if (!(total > 0)) return;
    const share = weight * Math.min(1, mass) ** confidence;
    for (let c = 0; c < K; c++) proba[c] = (1 - share) * proba[c]! + (share * vote[c]!) / total;
  }
}

/** Questions in all and in the largest class; CORRUPT_MODEL unless classStart is 0, then ascending. */
function checkLayout(dim: number, classStart: Int32Array): { size: number; largest: number } {
  const K = classStart.length - 1;
  if (!Number.isInteger(dim) || dim < 1 || K < 1 || classStart[0] !== 0) {
    throw rtsError('CORRUPT_MODEL', `neighbour memory: bad shape (${dim} units, ${K} classes, first offset ${String(classStart[0])})`);
  }
  let largest = 0;
  for (let c = 0; c < K; c++) {
    const count = classStart[c + 1]! - classStart[c]!;
    if (!(count >= 0)) throw rtsError('CORRUPT_MODEL', 'neighbour memory: class offsets are not ascending');
    largest = Math.max(largest, count);
  }
  return { size: classStart[K]!, largest };
}
