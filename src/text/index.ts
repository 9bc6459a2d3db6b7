/**
 * rtscore's scikit-learn-like text ML, as the rest of rtscore uses it: a pipeline (a feature
 * union of TF-IDF vectorizers feeding a classifier: multinomial logistic regression by L-BFGS,
 * or a one-hidden-layer MLP with an optional nearest-neighbour vote in its hidden layer), its
 * binary model file, and the estimators and sparse matrices it is built from. The solvers,
 * the analysis internals and the file's sections are not part of this surface.
 */
export { argmaxRows } from './argmax.js';
export type { ClassifierFitOptions, TextClassifier } from './classifier-base.js';
export type { TextClassifierOptions } from './classifiers.js';
export { LogisticRegression, type LogisticRegressionOptions } from './logistic.js';
export { MlpClassifier, type MlpOptions } from './mlp.js';
export type { NeighbourOptions } from './neighbours.js';
export { type FeatureOptions, type PipelineFitOptions, type PipelineProgressEvent, TextPipeline, type TextPipelineOptions } from './pipeline.js';
export { deserializePipeline, loadPipeline, PIPELINE_FORMAT_VERSION, savePipeline, serializePipeline } from './serialize.js';
export { CsrMatrix, csrTimesDense } from './sparse.js';
export { type TfidfOptions, TfidfVectorizer } from './tfidf.js';
