/**
 * Multinomial (softmax) logistic regression with an L2 penalty, trained by L-BFGS, like
 * scikit-learn's `LogisticRegression(solver='lbfgs', multi_class='multinomial')`.
 *
 * Objective (sklearn's semantics of C; the intercept is not penalised):
 *     C · Σ_i s_i · CE_i + ½ ‖W‖²,   CE_i = −log softmax(x_i W + b)[y_i],
 * with s_i the sample weight times the class weight. The optimiser minimises the same
 * objective divided by C·Σs_i, i.e. the weighted mean cross-entropy plus ‖W‖² / (2·C·Σs),
 * as recent scikit-learn does. Convergence: `tol` is compared with the largest absolute
 * component of the gradient of that scaled objective (SciPy's `pgtol`); a relative
 * decrease of the objective below 64·ε ≈ 1.4e-14 also stops (SciPy's `ftol`, the value
 * recent scikit-learn passes; SciPy's default 2.2e-9, used by scikit-learn 1.2, can stop
 * early, leaving probabilities ~1e-5 off the optimum). `onProgress` reports the scaled loss.
 * With two classes this is the two-weight-vector softmax model (sklearn's
 * `multi_class='multinomial'`), not sklearn's default binary model.
 *
 * Weights are dense and feature-major (features × classes), so scoring a sparse row is
 * nnz × classes multiply-adds over the rows of W the document uses.
 */
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import { softmaxInPlace } from '../core/softmax.js';
import { argmaxRows } from './argmax.js';
import { type ClassifierFitOptions, type ClassifierState, classWeightedSamples, type TextClassifier } from './classifier-base.js';
import { type LbfgsStopReason, minimizeLbfgs } from './lbfgs.js';
import { MultinomialLoss } from './multinomial.js';
import { classWeight, nonNegativeInteger, nonNegativeNumber, positiveInteger, positiveNumber, resolveOptions } from './options.js';
import type { SectionReader, SectionWriter } from './sections.js';
import { addRowTimesDense, type CsrMatrix } from './sparse.js';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (> 0). Default 1. */
  C?: number;
  /** Learn an unpenalised per-class intercept. Default true. */
  fitIntercept?: boolean;
  /** 'balanced': weight class k by n_samples / (n_classes_present · count_k), as sklearn. Default null. */
  classWeight?: 'balanced' | null;
  /** L-BFGS iterations. Default 200. */
  maxIter?: number;
  /** Stop when max |∂f/∂w| of the scaled objective ≤ tol. Default 1e-4. */
  tol?: number;
  /** L-BFGS history size. Default 10. */
  lbfgsMemory?: number;
}

export type ResolvedLogisticRegressionOptions = Required<LogisticRegressionOptions>;

/** `onProgress` gets the scaled loss and the gradient's largest component after each L-BFGS iteration. */
export type LogisticFitOptions = ClassifierFitOptions;

/** The options' constraints and defaults (the stored, resolved options are its output). */
export const logisticOptionsSchema = z.object({
  C: positiveNumber().default(1),
  fitIntercept: z.boolean().default(true),
  classWeight: classWeight().default(null),
  maxIter: nonNegativeInteger().default(200),
  tol: nonNegativeNumber().default(1e-4),
  lbfgsMemory: positiveInteger().default(10),
});

export function resolveLogisticOptions(o: LogisticRegressionOptions = {}): ResolvedLogisticRegressionOptions {
  return resolveOptions(logisticOptionsSchema, o);
}

export class LogisticRegression implements TextClassifier {
  readonly type = 'logistic';
  readonly options: ResolvedLogisticRegressionOptions;
  private W: Float32Array = new Float32Array(0);
  private b: Float32Array = new Float32Array(0);
  private k = 0;
  private d = 0;
  /** Whether the last fit met the tolerance before maxIter. */
  converged = false;
  /** L-BFGS iterations of the last fit. */
  nIter = 0;
  /** Why the last fit stopped. */
  stopReason: LbfgsStopReason | null = null;
  /** Final scaled loss of the last fit. */
  loss = Number.NaN;

  constructor(options: LogisticRegressionOptions = {}) {
    this.options = resolveLogisticOptions(options);
  }

  get fitted(): boolean {
    return this.k > 0;
  }

  get nClasses(): number {
    return this.k;
  }

  get nFeatures(): number {
    return this.d;
  }

  /** Weights, feature-major: coef[j · nClasses + k] is feature j's weight for class k. */
  get coef(): Float32Array {
    this.requireFitted();
    return this.W;
  }

  /** Per-class intercepts (zeros without fitIntercept). */
  get intercept(): Float32Array {
    this.requireFitted();
    return this.b;
  }

  fit(X: CsrMatrix, y: Int32Array, options: LogisticFitOptions = {}): this {
    const n = X.rows;
    const D = X.cols;
    const { K, sw } = classWeightedSamples(y, n, this.options.classWeight, options);

    const o = this.options;
    let total = 0;
    for (let i = 0; i < n; i++) total += sw[i]!;
    if (!(total > 0)) throw rtsError('INVALID_INPUT', 'sample weights sum to zero');
    for (let i = 0; i < n; i++) sw[i]! /= total;
    const lambda = 1 / (o.C * total);

    const loss = new MultinomialLoss(X, y, sw, K, o.fitIntercept, lambda);
    const onProgress = options.onProgress;
    const res = minimizeLbfgs((w, g) => loss.evaluate(w, g), new Float64Array(loss.dim), {
      maxIter: o.maxIter,
      gtol: o.tol,
      ftol: 64 * Number.EPSILON,
      memory: o.lbfgsMemory,
      ...(onProgress === undefined ? {} : { onIteration: onProgress }),
    });

    const { coef, intercept } = loss.unpack(res.x);
    this.k = K;
    this.d = D;
    this.W = Float32Array.from(coef);
    this.b = Float32Array.from(intercept);
    this.converged = res.converged;
    this.nIter = res.nIter;
    this.stopReason = res.reason;
    this.loss = res.f;
    return this;
  }

  /** Class scores x·W + b, row-major rows × classes. */
  decisionFunction(X: CsrMatrix): Float32Array {
    return Float32Array.from(this.scores(X));
  }

  /** Softmax probabilities, row-major rows × classes (max-subtracted, so no overflow). */
  predictProba(X: CsrMatrix): Float32Array {
    const z = this.scores(X);
    const K = this.k;
    for (let i = 0; i < X.rows; i++) softmaxInPlace(z, i * K, K);
    return Float32Array.from(z);
  }

  /** Most probable class of each row (lowest index on ties). */
  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.scores(X), X.rows, this.k);
  }

  /**
   * A fitted model from its weights (feature-major coef, nFeatures × nClasses, and
   * intercepts). Throws CORRUPT_MODEL when the shapes do not agree or a weight is not finite.
   */
  static fromWeights(
    options: LogisticRegressionOptions,
    nFeatures: number,
    nClasses: number,
    coef: Float32Array,
    intercept: Float32Array,
    info: { converged?: boolean; nIter?: number } = {},
  ): LogisticRegression {
    if (!Number.isInteger(nClasses) || nClasses < 2 || !Number.isInteger(nFeatures) || nFeatures < 0) {
      throw rtsError('CORRUPT_MODEL', `bad classifier shape ${nFeatures} features x ${nClasses} classes`);
    }
    if (coef.length !== nFeatures * nClasses || intercept.length !== nClasses) {
      throw rtsError('CORRUPT_MODEL', `classifier weights have ${coef.length} + ${intercept.length} values, expected ${nFeatures}x${nClasses} + ${nClasses}`);
    }
    for (const a of [coef, intercept]) {
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw rtsError('CORRUPT_MODEL', 'classifier weight is not finite');
    }
    const m = new LogisticRegression(options);
    m.W = coef;
    m.b = intercept;
    m.k = nClasses;
    m.d = nFeatures;
    m.converged = info.converged ?? true;
    m.nIter = info.nIter ?? 0;
    return m;
  }

  /** Saved arrays: `coef` (features × classes, feature-major) and `intercept`, float32. */
  toSections(out: SectionWriter): void {
    out.float32('coef', this.coef);
    out.float32('intercept', this.intercept);
  }

  static fromSections(state: ClassifierState, from: SectionReader): LogisticRegression {
    const coef = from.float32('coef', state.nFeatures * state.nClasses);
    const intercept = from.float32('intercept', state.nClasses);
    return LogisticRegression.fromWeights(state.options as LogisticRegressionOptions, state.nFeatures, state.nClasses, coef, intercept, {
      converged: state.converged,
      nIter: state.nIter,
    });
  }

  private scores(X: CsrMatrix): Float64Array {
    this.requireFitted();
    if (X.cols !== this.d) throw rtsError('INVALID_INPUT', `X has ${X.cols} columns, the model ${this.d} features`);
    const K = this.k;
    const z = new Float64Array(X.rows * K);
    for (let i = 0; i < X.rows; i++) {
      const o = i * K;
      for (let k = 0; k < K; k++) z[o + k] = this.b[k]!;
      addRowTimesDense(X, i, this.W, K, z, o);
    }
    return z;
  }

  private requireFitted(): void {
    if (this.k === 0) throw rtsError('MODEL_NOT_READY', 'LogisticRegression is not fitted');
  }
}
