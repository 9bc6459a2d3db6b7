/**
 * rtscore's scikit-learn-like text ML: analysis (tokens, n-grams), TF-IDF, sparse
 * matrices, multinomial logistic regression (L-BFGS), a one-hidden-layer MLP (Adam) with an
 * optional nearest-neighbour vote in its hidden layer, a feature-union pipeline and its binary file format.
 */
export * from './analyzer.js';
export * from './argmax.js';
export * from './argsort.js';
export * from './classifier-base.js';
export * from './classifiers.js';
export * from './lbfgs.js';
export * from './line-search.js';
export * from './logistic.js';
export * from './mlp.js';
export * from './multinomial.js';
export * from './neighbours.js';
export * from './pattern.js';
export * from './pipeline.js';
export * from './serialize.js';
export * from './sparse.js';
export * from './stop-words.js';
export * from './tfidf.js';
export * from './unicode.js';
