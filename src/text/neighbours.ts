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
import { dotRows } from './dense.js';
import { nonNegativeNumber, numberWhere, positiveInteger, positiveNumber, resolveOptions } from './options.js';

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

/**
 * L2-normalised hidden vectors of the training questions, grouped by class. In memory each
 * question's vector is one contiguous row (question-major), so comparing a question with a
 * class is a sweep of dot products, four training questions at a time with the query's
 * values loaded once and the sums kept in locals: about 3× faster in V8 than the file's
 * unit-major layout, whose inner loop updates an array of sums (`vectors` gives that
 * layout back for saving).
 */
export class NeighbourMemory {
  readonly options: ResolvedNeighbourOptions;
  readonly dim: number;
  /** Row r (question r, classes in order) is rows[r·dim … (r+1)·dim). */
  private readonly rows: Float32Array;
  /** Rows classStart[c] .. classStart[c+1]-1 belong to class c; length classes + 1. */
  readonly classStart: Int32Array;
  // Scratch for one question (scoring is synchronous, so one set per memory is enough).
  private readonly query: Float64Array;
  private readonly order: Int32Array;
  private readonly sims: Float64Array;
  private readonly topSim: Float64Array;
  private readonly topClass: Int32Array;
  private readonly vote: Float64Array;

  constructor(options: NeighbourOptions, dim: number, vectors: Float32Array, classStart: Int32Array) {
    this.options = resolveNeighbourOptions(options);
    const K = classStart.length - 1;
    if (!Number.isInteger(dim) || dim < 1 || K < 1 || classStart[0] !== 0 || vectors.length !== classStart[K]! * dim) {
      throw rtsError('CORRUPT_MODEL', `neighbour memory: ${vectors.length} values do not make ${String(classStart[K])} rows of ${dim}`);
    }
    for (let c = 0; c < K; c++) {
      if (!(classStart[c + 1]! >= classStart[c]!)) throw rtsError('CORRUPT_MODEL', 'neighbour memory: class offsets are not ascending');
    }
    for (let q = 0; q < vectors.length; q++) {
      if (!Number.isFinite(vectors[q]!)) throw rtsError('CORRUPT_MODEL', `neighbour memory value ${q} is not finite`);
    }
    this.dim = dim;
    this.rows = transposeClassBlocks(vectors, classStart, dim, true);
    this.classStart = classStart;
    this.query = new Float64Array(dim);
    this.order = new Int32Array(K);
    let largest = 0;
    for (let c = 0; c < K; c++) largest = Math.max(largest, classStart[c + 1]! - classStart[c]!);
    this.sims = new Float64Array(largest);
    this.topSim = new Float64Array(this.options.k);
    this.topClass = new Int32Array(this.options.k);
    this.vote = new Float64Array(K);
  }

  /**
   * The saved layout: class c's block starts at classStart[c] · dim and holds dim rows of
   * (its question count) values, unit-major. A fresh copy.
   */
  get vectors(): Float32Array {
    return transposeClassBlocks(this.rows, this.classStart, this.dim, false);
  }

  get classes(): number {
    return this.classStart.length - 1;
  }

  /** Training questions in the memory. */
  get size(): number {
    return this.classStart[this.classes]!;
  }

  /**
   * The memory of `rows` hidden vectors (row-major, `dim` each) with these class labels:
   * rows are normalised (an all-zero row stays zero and never wins a vote) and grouped by class.
   */
  static build(options: NeighbourOptions, dim: number, hidden: Float64Array, labels: Int32Array, classes: number): NeighbourMemory {
    const classStart = new Int32Array(classes + 1);
    for (let i = 0; i < labels.length; i++) classStart[labels[i]! + 1]!++;
    for (let c = 0; c < classes; c++) classStart[c + 1]! += classStart[c]!;
    const next = classStart.slice(0, classes);
    const vectors = new Float32Array(labels.length * dim);
    for (let i = 0; i < labels.length; i++) {
      let norm = 0;
      for (let u = 0; u < dim; u++) norm += hidden[i * dim + u]! ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      const c = labels[i]!;
      const count = classStart[c + 1]! - classStart[c]!;
      const block = classStart[c]! * dim;
      const e = next[c]!++ - classStart[c]!;
      for (let u = 0; u < dim; u++) vectors[block + u * count + e] = hidden[i * dim + u]! * scale;
    }
    return new NeighbourMemory(options, dim, vectors, classStart);
  }

  /**
   * Blend the vote into `proba` (the network's probabilities for one question, in place),
   * given that question's hidden vector (non-negative: ReLU outputs).
   */
  blend(hidden: Float64Array, proba: Float64Array): void {
    const { k, temperature, weight, confidence } = this.options;
    const H = this.dim;
    const K = this.classes;
    const { query, order, sims, topSim, topClass, vote, rows, classStart } = this;
    let norm = 0;
    for (let u = 0; u < H; u++) {
      const v = hidden[u]!;
      norm += v * v;
    }
    if (norm === 0 || weight === 0) return;
    const scale = 1 / Math.sqrt(norm);
    for (let u = 0; u < H; u++) query[u] = hidden[u]! * scale;

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
    for (let a = 0; a < candidates; a++) {
      const c = order[a]!;
      const count = classStart[c + 1]! - classStart[c]!;
      dotRows(query, rows, classStart[c]! * H, count, H, sims);
      for (let e = 0; e < count; e++) {
        const s = sims[e]!;
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

/**
 * Between the two layouts of the memory: each class block is a (dim × count) matrix in the
 * file (unit-major) and (count × dim) in memory (question-major). `toRows` picks the way.
 */
function transposeClassBlocks(src: Float32Array, classStart: Int32Array, dim: number, toRows: boolean): Float32Array {
  const out = new Float32Array(src.length);
  for (let c = 0; c + 1 < classStart.length; c++) {
    const count = classStart[c + 1]! - classStart[c]!;
    const block = classStart[c]! * dim;
    for (let u = 0; u < dim; u++) {
      for (let e = 0; e < count; e++) {
        const unitMajor = block + u * count + e;
        const rowMajor = block + e * dim + u;
        if (toRows) out[rowMajor] = src[unitMajor]!;
        else out[unitMajor] = src[rowMajor]!;
      }
    }
  }
  return out;
}
