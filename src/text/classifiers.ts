/**
 * The classifiers a text pipeline can end in, chosen by `type` in its options:
 * `'logistic'` (the default, so options written before the MLP existed still mean the same)
 * or `'mlp'`.
 */
import { rtsError } from '../core/errors.js';
import type { TextClassifier } from './classifier-base.js';
import { LogisticRegression, type LogisticRegressionOptions } from './logistic.js';
import { MlpClassifier, type MlpOptions } from './mlp.js';

export type TextClassifierOptions =
  | ({ type?: 'logistic' } & LogisticRegressionOptions)
  | ({ type: 'mlp' } & MlpOptions);

export function createClassifier(options: TextClassifierOptions = {}): TextClassifier {
  const { type, ...rest } = options;
  if (type === undefined || type === 'logistic') return new LogisticRegression(rest as LogisticRegressionOptions);
  if (type === 'mlp') return new MlpClassifier(rest as MlpOptions);
  throw rtsError('INVALID_INPUT', `classifier type must be 'logistic' or 'mlp', got ${JSON.stringify(type)}`);
}
