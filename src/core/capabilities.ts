import type { Model } from './model.js';
import type { Tensor } from './tensor.js';
import type { RequestTimings } from './timings.js';

/**
 * Task capabilities a model may offer beyond tensor inference. The HTTP layer
 * serves task APIs through these interfaces, never through task code.
 */

/** One FAQ ranked against a question. */
export interface TextMatch {
  /** The FAQ's id (a question id, or an intent name such as `card_arrival`). */
  id: string | number;
  /** The answer's id (the class label). */
  answerId: string | number;
  question: string;
  answer: string;
  /** Match probability in [0, 1]. */
  score: number;
}

export interface MatchOptions {
  /**
   * How many FAQs to return, best first: an integer from 1 to `faqCount`.
   * The edge resolves a request's `topK` ("all", the default, the limit) to
   * this once (server/params.ts `parseTopK`); models do not check it again.
   */
  topK: number;
  signal?: AbortSignal;
  /** Filled with where the request's time went (preprocess, inference), when given. */
  timings?: RequestTimings;
}

export interface TextMatcher extends Model {
  readonly capability: 'text-matcher';
  /** Number of FAQs the model ranks. */
  readonly faqCount: number;
  /** Default `topK` from the model's config. */
  readonly defaultTopK: number;
  /** One ranking per question, best first. */
  match(questions: string[], options: MatchOptions): Promise<TextMatch[][]>;
}

/** One class predicted for an image. */
export interface ImagePrediction {
  index: number;
  /** WordNet id such as `n02127052`, when the label set has them. */
  wnid?: string;
  /** Human label, e.g. `lynx, catamount`. */
  label: string;
  probability: number;
}

export interface ClassifyOptions {
  /** How many classes per image, best first: an integer from 1 to `classCount` (resolved at the edge, as `MatchOptions.topK`). */
  topK: number;
  signal?: AbortSignal;
  /** Filled with where the request's time went (preprocess, queue, inference), when given. */
  timings?: RequestTimings;
}

export interface ImageClassifier extends Model {
  readonly capability: 'image-classifier';
  readonly defaultTopK: number;
  readonly classCount: number;
  /** Encoded images (JPEG, PNG, …) in; one top-k list per image out. */
  classify(images: Uint8Array[], options: ClassifyOptions): Promise<ImagePrediction[][]>;
}

/** One row's prediction: a label (number or string), a value, or a row of scores. */
export type RowPrediction = number | string | boolean | null | RowPrediction[];

export interface PredictOptions {
  /** Class probabilities instead of labels (predict_proba rather than predict). Default: the model's config. */
  probabilities?: boolean;
  signal?: AbortSignal;
}

/**
 * A model that scikit-learn users call row by row: KServe V1 `:predict` and
 * the reference-style `/models/{name}/score`. The edge turns the JSON rows
 * into tensors shaped by `metadata.inputs` (the first dimension is the rows).
 */
export interface RowPredictor extends Model {
  readonly capability: 'row-predictor';
  /** One prediction per row, as scikit-learn's predict (or predict_proba) returns them. */
  predict(inputs: Tensor[], options: PredictOptions): Promise<RowPrediction[]>;
}

export function isTextMatcher(model: Model): model is TextMatcher {
  return (model as Partial<TextMatcher>).capability === 'text-matcher';
}

export function isImageClassifier(model: Model): model is ImageClassifier {
  return (model as Partial<ImageClassifier>).capability === 'image-classifier';
}

export function isRowPredictor(model: Model): model is RowPredictor {
  return (model as Partial<RowPredictor>).capability === 'row-predictor';
}
