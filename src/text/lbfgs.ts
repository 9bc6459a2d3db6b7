/**
 * Limited-memory BFGS for smooth unconstrained minimisation, following what SciPy's
 * L-BFGS-B does when no bounds are given (the solver behind sklearn's
 * `LogisticRegression(solver='lbfgs')`):
 * - direction d = −H g from the last `memory` pairs (s, y) (see LbfgsHistory), with the
 *   initial matrix γI, γ = sᵀy / yᵀy of the newest pair; a pair is skipped unless sᵀy > ε·yᵀy;
 * - step by the Moré–Thuente line search (MINPACK-2 dcsrch/dcstep) with SciPy's constants
 *   (sufficient decrease 1e-3, curvature 0.9, xtol 0.1, at most 20 evaluations), first
 *   trial step 1, or 1/‖d‖₂ when the memory is empty;
 * - stop when the largest gradient component is ≤ gtol (SciPy's `pgtol`) or when the
 *   relative decrease (f_old − f)/max(|f_old|, |f|, 1) ≤ ftol (SciPy's `factr·ε`), or
 *   after `maxIter` iterations; a failed line search resets the memory once and then stops.
 *
 * The history (s, y) is kept in float32 to halve its memory (it dominates: 2 × (memory + 1)
 * × n values).
 */
import { rtsError } from '../core/errors.js';
import { moreThuente } from './line-search.js';

/** Returns f(x) and writes ∇f(x) into g. */
export type ObjectiveWithGradient = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  /** Iterations (accepted steps). Default 200. */
  maxIter?: number;
  /** Stop when max |∇f_i| ≤ gtol. Default 1e-4. */
  gtol?: number;
  /** Stop when the relative decrease of f is ≤ ftol. Default 2.22e-9 (SciPy's default factr = 1e7). */
  ftol?: number;
  /** Number of (s, y) pairs kept. Default 10. */
  memory?: number;
  /** Function evaluations allowed per line search. Default 20. */
  maxLineSearch?: number;
  /** Called after every accepted step. */
  onIteration?: (iter: number, f: number, gradInfNorm: number) => void;
}

export type LbfgsStopReason = 'gtol' | 'ftol' | 'maxIter' | 'lineSearch';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  gradInfNorm: number;
  nIter: number;
  nEval: number;
  converged: boolean;
  reason: LbfgsStopReason;
}

const EPS = 2.220446049250313e-16;

export function minimizeLbfgs(fg: ObjectiveWithGradient, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 200;
  const gtol = options.gtol ?? 1e-4;
  const ftol = options.ftol ?? 1e7 * EPS;
  const maxLs = options.maxLineSearch ?? 20;
  const n = x0.length;
  const history = new LbfgsHistory(n, options.memory ?? 10);

  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let xt = new Float64Array(n);
  let gt = new Float64Array(n);
  const d = new Float64Array(n);

  let f = fg(x, g);
  let nEval = 1;
  if (!Number.isFinite(f)) throw rtsError('INVALID_INPUT', 'objective is not finite at the starting point');
  let gInf = infNorm(g);
  if (gInf <= gtol) return { x, f, gradInfNorm: gInf, nIter: 0, nEval, converged: true, reason: 'gtol' };

  let iter = 0;
  let reason: LbfgsStopReason = 'maxIter';
  while (iter < maxIter) {
    // Search direction d = -H g; with no curvature pairs yet it is -g, tried with |d| = 1.
    let dg = history.direction(g, d);
    if (!(dg < 0)) {
      // Not a descent direction (only through rounding): fall back to steepest descent.
      history.clear();
      dg = history.direction(g, d);
    }
    const stp = history.size === 0 ? Math.min(1 / Math.sqrt(-dg), 1e10) : 1;

    const ls = moreThuente(
      (step) => {
        for (let i = 0; i < n; i++) xt[i] = x[i]! + step * d[i]!;
        const ft = fg(xt, gt);
        return [ft, dot(gt, d)];
      },
      f,
      dg,
      stp,
      maxLs,
    );
    nEval += ls.nEval;
    if (!ls.ok && !(ls.f < f)) {
      if (history.size > 0) {
        history.clear(); // forget the curvature pairs and try steepest descent once
        continue;
      }
      reason = 'lineSearch';
      break;
    }

    history.push(xt, x, gt, g);
    const fOld = f;
    f = ls.f;
    [x, xt] = [xt, x];
    [g, gt] = [gt, g];
    iter++;
    gInf = infNorm(g);
    options.onIteration?.(iter, f, gInf);
    if (gInf <= gtol) {
      reason = 'gtol';
      break;
    }
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) {
      reason = 'ftol';
      break;
    }
  }
  return { x, f, gradInfNorm: gInf, nIter: iter, nEval, converged: reason === 'gtol' || reason === 'ftol', reason };
}

/** Elements per block in the history passes: a block of g and d stays in L1/L2. */
const BLOCK = 2048;

/**
 * The last `m` pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k, and the L-BFGS product
 * d = −H g in the compact form of Byrd, Nocedal & Schnabel (1994):
 *
 *   H = γI + [S γY] · [[R⁻ᵀ(D + γYᵀY)R⁻¹, −R⁻ᵀ], [−R⁻¹, 0]] · [Sᵀ; γYᵀ],
 *
 * R upper triangular with R_ij = s_iᵀy_j (i ≤ j), D its diagonal, γ = sᵀy / yᵀy of the
 * newest pair. This is the same matrix the two-loop recursion applies, but it costs two
 * streaming passes over the history per iteration (one for Sᵀg, Yᵀg and the new pair's
 * inner products, one to form d) instead of 4m passes over d, which matters when n is
 * millions and the history does not fit in cache. The small m × m matrices SᵀY and YᵀY
 * are updated incrementally.
 *
 * Pairs are kept in float32; every inner product is taken from the rounded vectors, so H
 * is exactly the BFGS matrix of the rounded pairs (positive definite since sᵀy > 0 is
 * checked on them). A pair with sᵀy ≤ ε·yᵀy is not stored, as in SciPy.
 */
export class LbfgsHistory {
  readonly n: number;
  readonly m: number;
  private readonly S: Float32Array[] = [];
  private readonly Y: Float32Array[] = [];
  /** Buffer indices of the stored pairs, oldest first. */
  private order: number[] = [];
  /** Buffers not in `order`; the first receives the next candidate pair. */
  private free: number[] = [];
  /** s_iᵀy_j and y_iᵀy_j by position in `order` (row-major m × m). */
  private readonly SY: Float64Array;
  private readonly YY: Float64Array;
  /** The newest pair's inner products with the older pairs are still to be computed. */
  private pending = false;
  private gamma = 1;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly u: Float64Array;
  private readonly p: Float64Array;

  constructor(n: number, m: number) {
    if (!Number.isInteger(m) || m < 1) throw rtsError('INVALID_INPUT', 'L-BFGS memory must be a positive integer');
    this.n = n;
    this.m = m;
    this.SY = new Float64Array(m * m);
    this.YY = new Float64Array(m * m);
    this.a = new Float64Array(m);
    this.b = new Float64Array(m);
    this.u = new Float64Array(m);
    this.p = new Float64Array(m);
    // One spare buffer so that a rejected candidate never overwrites a stored pair. They
    // are allocated on first use: a run that converges early never pays for all of them.
    for (let k = 0; k <= m; k++) this.free.push(k);
  }

  /** Number of pairs stored. */
  get size(): number {
    return this.order.length;
  }

  clear(): void {
    this.free.push(...this.order);
    this.order = [];
    this.pending = false;
  }

  /** Offer the pair (xNew − xOld, gNew − gOld); returns whether it was stored. */
  push(xNew: Float64Array, xOld: Float64Array, gNew: Float64Array, gOld: Float64Array): boolean {
    const buf = this.free[0]!;
    if (this.S[buf] === undefined) {
      this.S[buf] = new Float32Array(this.n);
      this.Y[buf] = new Float32Array(this.n);
    }
    const s = this.S[buf]!;
    const y = this.Y[buf]!;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < this.n; i++) {
      const sv = Math.fround(xNew[i]! - xOld[i]!);
      const yv = Math.fround(gNew[i]! - gOld[i]!);
      s[i] = sv;
      y[i] = yv;
      sy += sv * yv;
      yy += yv * yv;
    }
    if (!(sy > EPS * yy && yy > 0)) return false;
    if (this.pending) this.fillNewestColumn();
    const m = this.m;
    if (this.order.length === m) {
      // Drop the oldest pair: its buffer becomes free, the small matrices shift up-left.
      this.free.push(this.order.shift()!);
      for (let i = 0; i < m - 1; i++) {
        for (let j = 0; j < m - 1; j++) {
          this.SY[i * m + j] = this.SY[(i + 1) * m + j + 1]!;
          this.YY[i * m + j] = this.YY[(i + 1) * m + j + 1]!;
        }
      }
    }
    this.free.shift();
    this.order.push(buf);
    const c = this.order.length - 1;
    this.SY[c * m + c] = sy;
    this.YY[c * m + c] = yy;
    this.gamma = sy / yy;
    this.pending = c > 0;
    return true;
  }

  /** s_kᵀy_new and y_kᵀy_new for the older pairs, when two pairs arrive with no direction between. */
  private fillNewestColumn(): void {
    const m = this.m;
    const c = this.order.length;
    const yNew = this.Y[this.order[c - 1]!]!;
    for (let k = 0; k < c - 1; k++) {
      const s = this.S[this.order[k]!]!;
      const y = this.Y[this.order[k]!]!;
      let ss = 0;
      let sy = 0;
      for (let i = 0; i < this.n; i++) {
        ss += s[i]! * yNew[i]!;
        sy += y[i]! * yNew[i]!;
      }
      this.SY[k * m + c - 1] = ss;
      this.YY[k * m + c - 1] = sy;
      this.YY[(c - 1) * m + k] = sy;
    }
    this.pending = false;
  }

  /** Writes d = −H g and returns dᵀg. */
  direction(g: Float64Array, d: Float64Array): number {
    const n = this.n;
    const c = this.order.length;
    if (c === 0) {
      let dg = 0;
      for (let i = 0; i < n; i++) {
        d[i] = -g[i]!;
        dg -= g[i]! * g[i]!;
      }
      return dg;
    }
    const m = this.m;
    const { a, b, u, p, SY, YY } = this;
    // Interleaved [s_0, y_0, s_1, y_1, …], oldest first.
    const V: Float32Array[] = [];
    for (const k of this.order) V.push(this.S[k]!, this.Y[k]!);
    const yNew = V[2 * c - 1]!;
    const older = this.pending ? V.slice(0, 2 * (c - 1)) : [];
    const ab = new Float64Array(2 * c);
    const col = new Float64Array(older.length);

    // Pass 1, block by block: sᵀg, yᵀg for every pair and, for a new pair, s_kᵀy_new and
    // y_kᵀy_new for the older ones (the second product re-reads the block from cache).
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const i1 = Math.min(n, i0 + BLOCK);
      multiDot(V, g, i0, i1, ab);
      if (older.length > 0) multiDot(older, yNew, i0, i1, col);
    }
    for (let k = 0; k < c; k++) {
      a[k] = ab[2 * k]!;
      b[k] = ab[2 * k + 1]!;
    }
    if (this.pending) {
      for (let k = 0; k < c - 1; k++) {
        SY[k * m + c - 1] = col[2 * k]!;
        YY[k * m + c - 1] = col[2 * k + 1]!;
        YY[(c - 1) * m + k] = col[2 * k + 1]!;
      }
      this.pending = false;
    }

    // Small system: u = R⁻¹a;  p = R⁻ᵀ((D + γYᵀY)u − γb).
    const gamma = this.gamma;
    for (let i = c - 1; i >= 0; i--) {
      let t = a[i]!;
      for (let j = i + 1; j < c; j++) t -= SY[i * m + j]! * u[j]!;
      u[i] = t / SY[i * m + i]!;
    }
    for (let i = 0; i < c; i++) {
      let t = SY[i * m + i]! * u[i]! - gamma * b[i]!;
      for (let j = 0; j < c; j++) t += gamma * YY[i * m + j]! * u[j]!;
      for (let j = 0; j < i; j++) t -= SY[j * m + i]! * p[j]!;
      p[i] = t / SY[i * m + i]!;
    }
    const coefs = new Float64Array(2 * c);
    for (let k = 0; k < c; k++) {
      coefs[2 * k] = p[k]!;
      coefs[2 * k + 1] = -gamma * u[k]!;
    }

    // Pass 2: d = −(γg + S p − γ Y u), and dᵀg.
    let dg = 0;
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const i1 = Math.min(n, i0 + BLOCK);
      for (let i = i0; i < i1; i++) d[i] = gamma * g[i]!;
      multiAxpy(V, coefs, d, i0, i1);
      for (let i = i0; i < i1; i++) {
        const v = -d[i]!;
        d[i] = v;
        dg += v * g[i]!;
      }
    }
    return dg;
  }
}

/** out[t] += vs[t][i0:i1] · x[i0:i1] for every t; four vectors per sweep to share the loads of x. */
function multiDot(vs: readonly Float32Array[], x: Float64Array | Float32Array, i0: number, i1: number, out: Float64Array): void {
  let t = 0;
  for (; t + 3 < vs.length; t += 4) {
    const v0 = vs[t]!;
    const v1 = vs[t + 1]!;
    const v2 = vs[t + 2]!;
    const v3 = vs[t + 3]!;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = i0; i < i1; i++) {
      const xi = x[i]!;
      a0 += v0[i]! * xi;
      a1 += v1[i]! * xi;
      a2 += v2[i]! * xi;
      a3 += v3[i]! * xi;
    }
    out[t]! += a0;
    out[t + 1]! += a1;
    out[t + 2]! += a2;
    out[t + 3]! += a3;
  }
  for (; t < vs.length; t++) {
    const v = vs[t]!;
    let acc = 0;
    for (let i = i0; i < i1; i++) acc += v[i]! * x[i]!;
    out[t]! += acc;
  }
}

/** y[i0:i1] += Σ_t c[t] · vs[t][i0:i1]; four vectors per sweep to share the loads and stores of y. */
function multiAxpy(vs: readonly Float32Array[], c: Float64Array, y: Float64Array, i0: number, i1: number): void {
  let t = 0;
  for (; t + 3 < vs.length; t += 4) {
    const v0 = vs[t]!;
    const v1 = vs[t + 1]!;
    const v2 = vs[t + 2]!;
    const v3 = vs[t + 3]!;
    const c0 = c[t]!;
    const c1 = c[t + 1]!;
    const c2 = c[t + 2]!;
    const c3 = c[t + 3]!;
    for (let i = i0; i < i1; i++) y[i]! += c0 * v0[i]! + c1 * v1[i]! + c2 * v2[i]! + c3 * v3[i]!;
  }
  for (; t < vs.length; t++) {
    const v = vs[t]!;
    const ct = c[t]!;
    for (let i = i0; i < i1; i++) y[i]! += ct * v[i]!;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function infNorm(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
  }
  return m;
}
