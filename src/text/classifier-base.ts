/**
 * What the text pipeline needs of a classifier, and the label / sample-weight checks every
 * classifier starts its fit with.
 */
import { rtsError } from '../core/errors.js';
import type { SectionReader, SectionWriter } from './sections.js';
import type { CsrMatrix } from './sparse.js';

export interface ClassifierFitOptions {
  /** Number of classes (labels are 0..nClasses-1). Default max(y) + 1. */
  nClasses?: number;
  /** Per-sample weights (≥ 0). Default all 1. */
  sampleWeight?: ArrayLike<number>;
  /** Called after each iteration (L-BFGS step or epoch) with the loss and, where the solver has one, the gradient's largest component. */
  onProgress?: (iter: number, loss: number, gradNorm: number) => void;
}

export interface TextClassifier {
  /** Which model this is; the file format stores it. */
  readonly type: 'logistic' | 'mlp';
  /** The resolved options (what the file stores). */
  readonly options: object;
  readonly fitted: boolean;
  readonly nClasses: number;
  readonly nFeatures: number;
  /** Iterations (L-BFGS) or epochs (MLP) of the last fit. */
  readonly nIter: number;
  /** Whether the last fit met its stopping criterion. */
  readonly converged: boolean;
  /** Final training loss of the last fit. */
  readonly loss: number;
  fit(X: CsrMatrix, y: Int32Array, options?: ClassifierFitOptions): this;
  /** Class probabilities, row-major rows × classes. */
  predictProba(X: CsrMatrix): Float32Array;
  /** Write the fitted arrays into a model file (the header keeps `ClassifierState`). */
  toSections(out: SectionWriter): void;
}

/** A classifier's part of a model file's header, in the file's key order. */
export interface ClassifierState {
  /** Absent in version 1 files: logistic. */
  type?: TextClassifier['type'];
  options: object;
  nFeatures: number;
  nClasses: number;
  converged: boolean;
  nIter: number;
}

export function classifierState(c: TextClassifier): ClassifierState {
  return { type: c.type, options: c.options, nFeatures: c.nFeatures, nClasses: c.nClasses, converged: c.converged, nIter: c.nIter };
}

/** How a classifier type is made: from options (to fit) or from a model file's state and sections. */
export interface ClassifierType {
  create(options: object): TextClassifier;
  fromSections(state: ClassifierState, from: SectionReader): TextClassifier;
}

/**
 * Checks the labels and returns the number of classes and each sample's weight: the given
 * sample weight (default 1) times, with `classWeight: 'balanced'`, scikit-learn's
 * `compute_class_weight('balanced')` = n_samples / (n_classes_present · count_k), counting
 * unweighted samples and only the classes present in y.
 */
export function classWeightedSamples(
  y: Int32Array,
  nRows: number,
  classWeight: 'balanced' | null,
  options: Pick<ClassifierFitOptions, 'nClasses' | 'sampleWeight'>,
): { K: number; sw: Float64Array } {
  const n = y.length;
  if (n !== nRows) throw rtsError('INVALID_INPUT', `X has ${nRows} rows but y has ${n} labels`);
  if (n === 0) throw rtsError('INVALID_INPUT', 'cannot fit on zero samples');
  let maxY = 0;
  for (let i = 0; i < n; i++) {
    if (!(y[i]! >= 0)) throw rtsError('INVALID_INPUT', `label ${y[i]} at row ${i} is negative`);
    maxY = Math.max(maxY, y[i]!);
  }
  const K = options.nClasses ?? maxY + 1;
  if (!Number.isInteger(K) || K < 2) throw rtsError('INVALID_INPUT', `need at least 2 classes, got ${K}`);
  if (maxY >= K) throw rtsError('INVALID_INPUT', `label ${maxY} is not below nClasses ${K}`);

  const sw = new Float64Array(n).fill(1);
  const given = options.sampleWeight;
  if (given !== undefined) {
    if (given.length !== n) throw rtsError('INVALID_INPUT', `sampleWeight has ${given.length} values for ${n} samples`);
    for (let i = 0; i < n; i++) {
      const v = given[i]!;
      if (!(v >= 0) || !Number.isFinite(v)) throw rtsError('INVALID_INPUT', `sample weight ${i} must be a finite number >= 0`);
      sw[i] = v;
    }
  }
  if (classWeight === 'balanced') {
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) counts[y[i]!]! += 1;
    let present = 0;
    for (let k = 0; k < K; k++) if (counts[k]! > 0) present++;
    for (let i = 0; i < n; i++) sw[i]! *= n / (present * counts[y[i]!]!);
  }
  return { K, sw };
}
