/**
 * The classifiers a text pipeline can end in, chosen by `type` in its options:
 * `'logistic'` (the default, so options written before the MLP existed still mean the same)
 * or `'mlp'`. A new classifier is a class implementing `TextClassifier` and one entry here.
 */
import { rtsError } from '../core/errors.js';
import type { ClassifierState, ClassifierType, TextClassifier } from './classifier-base.js';
import { LogisticRegression, type LogisticRegressionOptions } from './logistic.js';
import { MlpClassifier, type MlpOptions } from './mlp.js';
import { corrupt, type SectionReader } from './sections.js';

export type TextClassifierOptions = ({ type?: 'logistic' } & LogisticRegressionOptions) | ({ type: 'mlp' } & MlpOptions);

const CLASSIFIER_TYPES: Record<TextClassifier['type'], ClassifierType> = {
  logistic: { create: (o) => new LogisticRegression(o as LogisticRegressionOptions), fromSections: LogisticRegression.fromSections },
  mlp: { create: (o) => new MlpClassifier(o as MlpOptions), fromSections: MlpClassifier.fromSections },
};

const typeOf = (type: unknown): ClassifierType | undefined =>
  Object.hasOwn(CLASSIFIER_TYPES, String(type)) ? CLASSIFIER_TYPES[type as TextClassifier['type']] : undefined;

export function createClassifier(options: TextClassifierOptions = {}): TextClassifier {
  const { type = 'logistic', ...rest } = options;
  const kind = typeOf(type);
  if (!kind)
    throw rtsError(
      'INVALID_INPUT',
      `classifier type must be ${Object.keys(CLASSIFIER_TYPES)
        .map((t) => `'${t}'`)
        .join(' or ')}, got ${JSON.stringify(type)}`,
    );
  return kind.create(rest);
}

/** A fitted classifier from its header state and sections, checked against the pipeline's feature count. */
export function classifierFromSections(state: ClassifierState, from: SectionReader, nFeatures: number): TextClassifier {
  if (typeof state.options !== 'object' || state.options === null) corrupt('classifier has no options');
  if (state.nFeatures !== nFeatures) corrupt(`inconsistent shapes: classifier has ${state.nFeatures} features, vectorizers ${nFeatures}`);
  if (!Number.isSafeInteger(state.nClasses) || state.nClasses < 2) corrupt(`bad number of classes ${String(state.nClasses)}`);
  const type = state.type ?? 'logistic';
  const kind = typeOf(type);
  if (!kind) return corrupt(`unknown classifier type ${JSON.stringify(type)}`);
  return kind.fromSections(state, from);
}
