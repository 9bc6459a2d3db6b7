/**
 * A one-hidden-layer neural network over sparse features (like scikit-learn's
 * `MLPClassifier(hidden_layer_sizes=(H,), activation='relu', solver='adam')`, plus dropout):
 *
 *     h = relu(x·W1 + b1),   p = softmax(h·W2 + b2)
 *
 * trained by minibatch Adam on the (sample- and class-weighted) mean cross-entropy, with
 * inverted dropout on the hidden units. The input is a TF-IDF row with ~100 non-zeros out of
 * tens of thousands of columns, so both passes touch only the rows of W1 the batch uses, and
 * Adam updates only those rows ("lazy" Adam, as TensorFlow's LazyAdam): a full update of W1
 * per step would cost ~100× more.
 *
 * Everything random (initial weights, the order of the examples, dropout) comes from one
 * seeded generator, so the same data, options and seed give the same model, bit for bit.
 *
 * Weights are dense and feature-major (W1 is features × hidden), so scoring a row costs
 * nnz × hidden + hidden × classes multiply-adds. With `neighbours`, the training questions'
 * hidden vectors are kept after the fit and a nearest-neighbour vote among them is blended
 * into the probabilities (neighbours.ts); training itself is unchanged.
 *
 * Training runs in plain JS (float64 sums). Scoring runs in WebAssembly SIMD (simd/kernels.ts):
 * a fitted or loaded network lives in one kernel memory of its own, laid out once: W1 and b1
 * (which `weights` then shows, as views), W2 class-major, the neighbour rows, and the scratch of
 * one question. The sums are f32 there (see simd/kernels.ts for the precision).
 */
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import { mulberry32, shuffleInPlace } from '../core/random.js';
import { softmaxInPlace } from '../core/softmax.js';
import { type ClassifierFitOptions, type ClassifierState, classWeightedSamples, type TextClassifier } from './classifier-base.js';
import { NeighbourMemory, type NeighbourOptions, neighbourOptionsSchema, type ResolvedNeighbourOptions } from './neighbours.js';
import { classWeight, integer, numberWhere, positiveInteger, positiveNumber, resolveOptions } from './options.js';
import { corrupt, type SectionReader, type SectionWriter } from './sections.js';
import { KernelMemory, type Region } from './simd/kernels.js';
import { addRowTimesDense, type CsrMatrix } from './sparse.js';

export interface MlpOptions {
  /** Hidden ReLU units. Default 512. */
  hiddenSize?: number;
  /** Passes over the training data. Default 8. */
  epochs?: number;
  /** Examples per Adam step. Default 32. */
  batchSize?: number;
  /** Adam step size. Default 0.001. */
  learningRate?: number;
  /** Probability of dropping a hidden unit while training (0 ≤ p < 1). Default 0.5. */
  dropout?: number;
  /** 'balanced': weight class k by n_samples / (n_classes_present · count_k), as sklearn. Default null. */
  classWeight?: 'balanced' | null;
  /** Seed of the generator behind initial weights, example order and dropout. Default 0. */
  seed?: number;
  /**
   * Blend a nearest-neighbour vote in the hidden layer into the probabilities (see
   * neighbours.ts); the model then keeps the training questions' hidden vectors. Default null
   * (off).
   */
  neighbours?: NeighbourOptions | null;
}

export type ResolvedMlpOptions = Required<Omit<MlpOptions, 'neighbours'>> & { neighbours: ResolvedNeighbourOptions | null };

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** The options' constraints and defaults (the stored, resolved options are its output). */
export const mlpOptionsSchema = z.object({
  hiddenSize: positiveInteger().default(512),
  epochs: positiveInteger().default(8),
  batchSize: positiveInteger().default(32),
  learningRate: positiveNumber().default(0.001),
  dropout: numberWhere((v) => v >= 0 && v < 1, 'in [0, 1)').default(0.5),
  classWeight: classWeight().default(null),
  seed: integer().default(0),
  neighbours: neighbourOptionsSchema.nullable().default(null),
});

export function resolveMlpOptions(o: MlpOptions = {}): ResolvedMlpOptions {
  return resolveOptions(mlpOptionsSchema, o);
}

/** Non-zeros of a row handed to the hidden-layer kernel at once (a longer row goes in parts). */
export const SPARSE_CHUNK = 1024;

/** The regions of a network's kernel memory, in their order there. */
type NetworkRegion = 'hidden' | 'logits' | 'idx' | 'val' | 'b1' | 'w2t' | 'sims' | 'rows' | 'w1';
type NetworkRegions = Readonly<Record<NetworkRegion, Region>>;

/**
 * Fills a new kernel memory: `w1` and `b1` (and the neighbour memory's `rows`, in either
 * layout) in place; returns W2 (hidden-major), b2 and, with neighbours, the saved vectors.
 */
type NetworkFill = (r: NetworkRegions) => { w2: Float32Array; b2: Float32Array; vectors?: Float32Array };

/** The four weight arrays of a fitted network. */
export interface MlpWeights {
  /** features × hidden, feature-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** hidden × classes, hidden-major. */
  w2: Float32Array;
  b2: Float32Array;
}

/**
 * The starting point of a fit: Glorot-uniform weights (W1 first, then W2, drawn in order
 * from `random`) and zero biases, what Keras and scikit-learn's MLP start from.
 */
export function initialMlpWeights(nFeatures: number, hiddenSize: number, nClasses: number, random: () => number): MlpWeights {
  const w1 = new Float32Array(nFeatures * hiddenSize);
  const w2 = new Float32Array(hiddenSize * nClasses);
  const limit1 = Math.sqrt(6 / (nFeatures + hiddenSize));
  for (let q = 0; q < w1.length; q++) w1[q] = (2 * random() - 1) * limit1;
  const limit2 = Math.sqrt(6 / (hiddenSize + nClasses));
  for (let q = 0; q < w2.length; q++) w2[q] = (2 * random() - 1) * limit2;
  return { w1, b1: new Float32Array(hiddenSize), w2, b2: new Float32Array(nClasses) };
}

/** Adam's first and second moments of one weight array. */
class AdamState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(size: number) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** Update w[from .. from+n) with g[gFrom .. gFrom+n); `lr` carries 1/c1, `invC2` is 1/c2. */
  step(w: Float32Array, g: Float32Array, from: number, gFrom: number, n: number, lr: number, invC2: number): void {
    const { m, v } = this;
    for (let q = 0; q < n; q++) {
      const gq = g[gFrom + q]!;
      const p = from + q;
      const mq = BETA1 * m[p]! + (1 - BETA1) * gq;
      const vq = BETA2 * v[p]! + (1 - BETA2) * gq * gq;
      m[p] = mq;
      v[p] = vq;
      w[p]! -= (lr * mq) / (Math.sqrt(vq * invC2) + EPSILON);
    }
  }
}

export class MlpClassifier implements TextClassifier {
  readonly type = 'mlp';
  readonly options: ResolvedMlpOptions;
  private w: MlpWeights | null = null;
  /** The scoring memory: W1, b1 (the same arrays as `w`'s), W2 class-major, neighbour rows. */
  private net: KernelMemory<NetworkRegion> | null = null;
  /** The training questions' hidden vectors, when `neighbours` is on. */
  memory: NeighbourMemory | null = null;
  private d = 0;
  private k = 0;
  /** Epochs run by the last fit (it always runs them all). */
  nIter = 0;
  /** There is no convergence test: the fit runs `epochs` passes, and that counts as done. */
  converged = false;
  /** Mean training cross-entropy of the last epoch (on dropped-out hidden units). */
  loss = Number.NaN;

  constructor(options: MlpOptions = {}) {
    this.options = resolveMlpOptions(options);
  }

  get fitted(): boolean {
    return this.w !== null;
  }

  get nClasses(): number {
    return this.k;
  }

  get nFeatures(): number {
    return this.d;
  }

  get hiddenSize(): number {
    return this.options.hiddenSize;
  }

  /** The fitted weights (not copies: w1 and b1 are views into the scoring memory). */
  get weights(): MlpWeights {
    if (this.w === null) throw rtsError('MODEL_NOT_READY', 'MlpClassifier is not fitted');
    return this.w;
  }

  fit(X: CsrMatrix, y: Int32Array, options: ClassifierFitOptions = {}): this {
    const n = X.rows;
    const D = X.cols;
    const { K, sw } = classWeightedSamples(y, n, this.options.classWeight, options);
    const { hiddenSize: H, epochs, batchSize, learningRate, dropout } = this.options;
    const random = mulberry32(this.options.seed);

    const { w1, b1, w2, b2 } = initialMlpWeights(D, H, K, random);
    const adam1 = new AdamState(w1.length);
    const adamB1 = new AdamState(H);
    const adam2 = new AdamState(w2.length);
    const adamB2 = new AdamState(K);

    // Per-batch scratch. Only ~1/4 of the hidden units are non-zero after ReLU and dropout,
    // so each row keeps the list of its active units, and the backward pass and the output
    // layer loop over those alone. `slot[j]` is column j's row in gW1 while the batch uses it.
    const act = new Float64Array(batchSize * H);
    const active = new Int32Array(batchSize * H);
    const nActive = new Int32Array(batchSize);
    const gActive = new Float64Array(batchSize * H);
    const logits = new Float64Array(K); // then the probabilities
    const gOut = new Float64Array(batchSize * K);
    const gW2 = new Float32Array(H * K);
    const gB1 = new Float32Array(H);
    const gB2 = new Float32Array(K);
    const slot = new Int32Array(D).fill(-1);
    let used = new Int32Array(1024);
    let gW1 = new Float32Array(used.length * H);
    const keepScale = 1 / (1 - dropout);
    const order = Array.from({ length: n }, (_v, i) => i);
    let step = 0;

    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleInPlace(order, random);
      let lossSum = 0;
      let weightSum = 0;
      for (let start = 0; start < n; start += batchSize) {
        const B = Math.min(batchSize, n - start);
        let batchWeight = 0;
        for (let r = 0; r < B; r++) batchWeight += sw[order[start + r]!]!;
        if (!(batchWeight > 0)) continue;

        // Forward: act = dropout(relu(x·W1 + b1)), gOut = ∂loss/∂logits.
        for (let r = 0; r < B; r++) {
          const i = order[start + r]!;
          const a = r * H;
          for (let u = 0; u < H; u++) act[a + u] = b1[u]!;
          addRowTimesDense(X, i, w1, H, act, a);
          let na = 0;
          for (let u = 0; u < H; u++) {
            const v = act[a + u]!;
            if (v > 0 && (dropout === 0 || random() >= dropout)) {
              act[a + na] = v * keepScale;
              active[a + na++] = u;
            }
          }
          nActive[r] = na;
          for (let c = 0; c < K; c++) logits[c] = b2[c]!;
          for (let k = 0; k < na; k++) {
            const h = act[a + k]!;
            const row = active[a + k]! * K;
            for (let c = 0; c < K; c++) logits[c]! += h * w2[row + c]!;
          }
          softmaxInPlace(logits, 0, K);
          const s = sw[i]! / batchWeight;
          const label = y[i]!;
          for (let c = 0; c < K; c++) gOut[r * K + c] = s * (logits[c]! - (c === label ? 1 : 0));
          lossSum -= sw[i]! * Math.log(Math.max(logits[label]!, 1e-300));
          weightSum += sw[i]!;
        }

        // Backward through W2 (before it moves), then the ReLU and dropout: only active units
        // have a gradient.
        gW2.fill(0);
        gB2.fill(0);
        gB1.fill(0);
        for (let r = 0; r < B; r++) {
          const a = r * H;
          const o = r * K;
          for (let c = 0; c < K; c++) gB2[c]! += gOut[o + c]!;
          for (let k = 0; k < nActive[r]!; k++) {
            const h = act[a + k]!;
            const u = active[a + k]!;
            const row = u * K;
            let g = 0;
            for (let c = 0; c < K; c++) {
              gW2[row + c]! += h * gOut[o + c]!;
              g += w2[row + c]! * gOut[o + c]!;
            }
            g *= keepScale;
            gActive[a + k] = g;
            gB1[u]! += g;
          }
        }

        // ∂loss/∂W1, only for the columns this batch uses.
        let nUsed = 0;
        for (let r = 0; r < B; r++) {
          const i = order[start + r]!;
          const a = r * H;
          const na = nActive[r]!;
          for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) {
            const j = X.indices[p]!;
            let sl = slot[j]!;
            if (sl < 0) {
              if (nUsed === used.length) {
                const grownUsed = new Int32Array(used.length * 2);
                grownUsed.set(used);
                used = grownUsed;
                const grownG = new Float32Array(used.length * H);
                grownG.set(gW1);
                gW1 = grownG;
              }
              sl = nUsed++;
              slot[j] = sl;
              used[sl] = j;
              gW1.fill(0, sl * H, (sl + 1) * H);
            }
            const x = X.data[p]!;
            const g = sl * H;
            for (let k = 0; k < na; k++) gW1[g + active[a + k]!]! += x * gActive[a + k]!;
          }
        }

        // Adam with bias correction: w −= (lr / c1) · m / (√(v / c2) + ε).
        step++;
        const c1 = 1 - BETA1 ** step;
        const invC2 = 1 / (1 - BETA2 ** step);
        const lr = learningRate / c1;
        for (let q = 0; q < nUsed; q++) {
          const j = used[q]!;
          adam1.step(w1, gW1, j * H, q * H, H, lr, invC2);
          slot[j] = -1;
        }
        adamB1.step(b1, gB1, 0, 0, H, lr, invC2);
        adam2.step(w2, gW2, 0, 0, H * K, lr, invC2);
        adamB2.step(b2, gB2, 0, 0, K, lr, invC2);
      }
      this.loss = weightSum > 0 ? lossSum / weightSum : Number.NaN;
      options.onProgress?.(epoch, this.loss, Number.NaN);
    }

    this.nIter = epochs;
    this.converged = true;
    const neighbours = this.options.neighbours;
    // Every training question with a weight goes into the neighbour memory, through the trained
    // layer (no dropout).
    const rows: number[] = [];
    if (neighbours) for (let i = 0; i < n; i++) if (sw[i]! > 0) rows.push(i);
    const labels = Int32Array.from(rows, (i) => y[i]!);
    const classStart = neighbours ? NeighbourMemory.classStartOf(labels, K) : null;
    const r = this.setUp(D, K, classStart, (r) => {
      r.w1.f32.set(w1);
      r.b1.f32.set(b1);
      return { w2, b2 };
    });
    if (neighbours && classStart) {
      const store = { kernels: this.net!, rows: r.rows, sims: r.sims };
      this.memory = NeighbourMemory.build(neighbours, H, labels, classStart, store, (e) => {
        this.hiddenOf(X, rows[e]!);
        return r.hidden.f32;
      });
    }
    return this;
  }

  /**
   * Lay out a new kernel memory for this network (and its neighbour memory when `classStart`
   * is given), fill it, keep W2 class-major there; the weights are then w1 and b1 in that memory
   * and the returned w2 and b2. The neighbour memory is left to the caller (null here).
   */
  private setUp(nFeatures: number, nClasses: number, classStart: Int32Array | null, fill: NetworkFill): NetworkRegions & { vectors?: Float32Array } {
    const H = this.options.hiddenSize;
    const nb = classStart ? NeighbourMemory.layout(H, classStart) : { rows: 0, sims: 0 };
    this.w = null;
    this.net = null;
    this.memory = null;
    const net = new KernelMemory<NetworkRegion>({
      hidden: H,
      logits: nClasses,
      idx: SPARSE_CHUNK,
      val: SPARSE_CHUNK,
      b1: H,
      w2t: nClasses * H,
      sims: nb.sims,
      rows: nb.rows,
      w1: nFeatures * H,
    });
    const r = net.regions;
    const { w2, b2, vectors } = fill(r);
    if (w2.length !== H * nClasses) throw rtsError('CORRUPT_MODEL', `network weights w2 have ${w2.length} values, expected ${H * nClasses}`);
    // W2 class-major: each class's logit is one dot product over a contiguous row.
    const w2t = r.w2t.f32;
    for (let u = 0; u < H; u++) for (let c = 0; c < nClasses; c++) w2t[c * H + u] = w2[u * nClasses + c]!;
    this.w = { w1: r.w1.f32, b1: r.b1.f32, w2, b2 };
    this.net = net;
    this.d = nFeatures;
    this.k = nClasses;
    return vectors ? { ...r, vectors } : r;
  }

  /** Softmax probabilities (blended with the neighbour vote when on), row-major rows × classes. */
  predictProba(X: CsrMatrix): Float32Array {
    const { b2 } = this.weights;
    if (X.cols !== this.d) throw rtsError('INVALID_INPUT', `X has ${X.cols} columns, the model ${this.d} features`);
    const net = this.net!;
    const { hidden, logits, w2t } = net.regions;
    const H = this.options.hiddenSize;
    const K = this.k;
    const z = new Float64Array(K);
    const out = new Float32Array(X.rows * K);
    const l32 = logits.f32;
    for (let i = 0; i < X.rows; i++) {
      this.hiddenOf(X, i);
      net.dotRows(hidden.ptr, w2t.ptr, K, H, logits.ptr);
      for (let c = 0; c < K; c++) z[c] = l32[c]! + b2[c]!;
      softmaxInPlace(z, 0, K);
      // A question with no known feature has only the biases for a hidden vector: nothing to
      // compare, so no vote (it would lend a made-up confidence).
      if (X.indptr[i + 1]! > X.indptr[i]!) this.memory?.blend(hidden, z);
      for (let c = 0; c < K; c++) out[i * K + c] = z[c]!;
    }
    return out;
  }

  /**
   * relu(x_i·W1 + b1) of row i of X, into the kernel memory's `hidden` region: the row's
   * indices and values are copied to its scratch, SPARSE_CHUNK non-zeros at a time. Throws
   * INVALID_INPUT on a column index out of range (the kernel does not check them).
   */
  private hiddenOf(X: CsrMatrix, i: number): void {
    const net = this.net!;
    const { w1, b1, hidden, idx, val } = net.regions;
    const H = this.options.hiddenSize;
    const D = this.d;
    const end = X.indptr[i + 1]!;
    const i32 = idx.i32;
    let p = X.indptr[i]!;
    let from = b1.ptr;
    for (;;) {
      const n = Math.min(SPARSE_CHUNK, end - p);
      i32.set(X.indices.subarray(p, p + n));
      val.f32.set(X.data.subarray(p, p + n));
      for (let q = 0; q < n; q++) {
        const j = i32[q]!;
        if (!(j >= 0 && j < D)) throw rtsError('INVALID_INPUT', `column ${j} of row ${i} is out of range 0..${D - 1}`);
      }
      p += n;
      net.sparseRowTimesDense(w1.ptr, H, idx.ptr, val.ptr, n, from, hidden.ptr, p >= end);
      if (p >= end) return;
      from = hidden.ptr;
    }
  }

  /**
   * A fitted network from its weights. Throws CORRUPT_MODEL when the shapes do not agree
   * with the options and sizes, or a weight is not finite.
   */
  static fromWeights(
    options: MlpOptions,
    nFeatures: number,
    nClasses: number,
    weights: MlpWeights,
    info: { nIter?: number; memory?: { vectors: Float32Array; classStart: Int32Array } } = {},
  ): MlpClassifier {
    const H = resolveMlpOptions(options).hiddenSize;
    checkShape(nFeatures, nClasses);
    const expected: Record<keyof MlpWeights, number> = { w1: nFeatures * H, b1: H, w2: H * nClasses, b2: nClasses };
    for (const name of ['w1', 'b1', 'w2', 'b2'] as const) {
      const a = weights[name];
      if (a.length !== expected[name]) throw rtsError('CORRUPT_MODEL', `network weights ${name} have ${a.length} values, expected ${expected[name]}`);
    }
    const memory = info.memory;
    return MlpClassifier.assemble(options, nFeatures, nClasses, info.nIter, memory?.classStart ?? null, (r) => {
      r.w1.f32.set(weights.w1);
      r.b1.f32.set(weights.b1);
      return { w2: weights.w2, b2: weights.b2, ...(memory ? { vectors: memory.vectors } : {}) };
    });
  }

  /**
   * A fitted network in a new kernel memory that `fill` fills (see setUp), with its neighbour
   * memory when the options have neighbours (then `classStart` is its class offsets). Throws
   * CORRUPT_MODEL when the options and the memory disagree or a weight is not finite.
   */
  private static assemble(
    options: MlpOptions,
    nFeatures: number,
    nClasses: number,
    nIter: number | undefined,
    classStart: Int32Array | null,
    fill: NetworkFill,
  ): MlpClassifier {
    const m = new MlpClassifier(options);
    const H = m.options.hiddenSize;
    const n = m.options.neighbours;
    if ((n === null) !== (classStart === null)) {
      throw rtsError('CORRUPT_MODEL', n ? 'the network votes with neighbours but has no neighbour memory' : 'neighbour memory without neighbours options');
    }
    if (classStart && classStart.length !== nClasses + 1)
      throw rtsError('CORRUPT_MODEL', `neighbour memory has ${classStart.length - 1} classes, the network ${nClasses}`);
    const r = m.setUp(nFeatures, nClasses, classStart, fill);
    const w = m.weights;
    for (const name of MLP_SECTIONS) {
      const a = w[name];
      for (let q = 0; q < a.length; q++) if (!Number.isFinite(a[q]!)) throw rtsError('CORRUPT_MODEL', `network weight ${name}[${q}] is not finite`);
    }
    if (n && classStart) {
      if (r.vectors === undefined) throw rtsError('CORRUPT_MODEL', 'the network votes with neighbours but has no neighbour memory');
      m.memory = NeighbourMemory.fromVectors(n, H, r.vectors, classStart, { kernels: m.net!, rows: r.rows, sims: r.sims });
    }
    m.nIter = nIter ?? m.options.epochs;
    m.converged = true;
    return m;
  }

  /**
   * Saved arrays, float32: `w1` (features × hidden), `b1`, `w2` (hidden × classes), `b2`, and
   * with neighbours on, `memory.vectors` (questions × hidden) and `memory.classStart` (uint32).
   */
  toSections(out: SectionWriter): void {
    const w = this.weights;
    for (const name of MLP_SECTIONS) out.float32(name, w[name]);
    if (this.memory) {
      out.float32('memory.vectors', this.memory.vectors);
      out.uint32('memory.classStart', Uint32Array.from(this.memory.classStart));
    }
  }

  /** Reads W1, b1 and the neighbour vectors straight into the new kernel memory (no copy in between). */
  static fromSections(state: ClassifierState, from: SectionReader): MlpClassifier {
    const options = withStoredDefaults(state.options as ResolvedMlpOptions);
    const H = options.hiddenSize;
    if (!Number.isSafeInteger(H) || H < 1) corrupt(`bad hidden layer size ${String(H)}`);
    const { nFeatures, nClasses } = state;
    checkShape(nFeatures, nClasses);
    const classStart = options.neighbours ? Int32Array.from(from.uint32('memory.classStart', nClasses + 1)) : null;
    // The big sections' shapes first: a corrupt header must not size a kernel memory.
    from.check('w1', 'float32', nFeatures * H);
    if (classStart) from.check('memory.vectors', 'float32', classStart[nClasses]! * H);
    return MlpClassifier.assemble(options, nFeatures, nClasses, state.nIter, classStart, (r) => {
      from.float32('w1', nFeatures * H, r.w1.f32);
      from.float32('b1', H, r.b1.f32);
      const vectors = classStart ? from.float32('memory.vectors', classStart[nClasses]! * H, r.rows.f32) : undefined;
      return { w2: from.float32('w2', H * nClasses), b2: from.float32('b2', nClasses), ...(vectors ? { vectors } : {}) };
    });
  }
}

/** CORRUPT_MODEL unless there are at least 2 classes and a whole number of features. */
function checkShape(nFeatures: number, nClasses: number): void {
  if (!Number.isInteger(nClasses) || nClasses < 2 || !Number.isInteger(nFeatures) || nFeatures < 0) {
    throw rtsError('CORRUPT_MODEL', `bad classifier shape ${nFeatures} features x ${nClasses} classes`);
  }
}

const MLP_SECTIONS = ['w1', 'b1', 'w2', 'b2'] as const satisfies readonly (keyof MlpWeights)[];

/**
 * Options added after a file could have been written take the value that reproduces how
 * that file's model scored: `neighbours.confidence` (absent = 0, the unscaled vote).
 */
function withStoredDefaults(options: ResolvedMlpOptions): ResolvedMlpOptions {
  const n = options.neighbours;
  if (n === null || n === undefined || (n as Partial<typeof n>).confidence !== undefined) return options;
  return { ...options, neighbours: { ...n, confidence: 0 } };
}
