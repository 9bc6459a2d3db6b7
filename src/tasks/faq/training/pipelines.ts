import type { TextPipelineOptions } from '../../../text/index.js';
import type { DatasetName } from '../data/types.js';

/** A trainable matcher: the text pipeline, and whether the FAQs' own texts join the training examples. */
export interface MatcherRecipe {
  pipeline: TextPipelineOptions;
  /** Add each FAQ's own (cleaned) text as one more training example of its class. */
  addFaqText: boolean;
}

/**
 * The defaults, chosen on validation splits carved from the training questions (never the
 * test split); docs/faq-models.md has the table of everything tried. Both take a feature
 * union of word and char_wb (2–5) TF-IDF blocks, with the FAQ texts added as training
 * examples (better on both sets); `faq` ends in a multinomial logistic regression,
 * `banking77` in a one-hidden-layer MLP.
 */
export const defaultRecipes: Record<DatasetName, MatcherRecipe> = {
  // Travel Stack Exchange: long posts, few and skewed classes (largest 18 %). Balanced
  // class weights gained ~6 points of Acc@1; word unigrams + char_wb 2–5 at C=10 had the
  // best Acc@1 (tied) and the best Acc@2 / Mean Rank of the ties (5 pooled validation splits).
  faq: {
    pipeline: {
      features: [{}, { analyzer: 'char_wb', ngramRange: [2, 5], sublinearTf: true }],
      classifier: { C: 10, classWeight: 'balanced', maxIter: 300 },
    },
    addFaqText: true,
  },
  // BANKING77: short questions, 77 balanced intents. A one-hidden-layer network (512 ReLU
  // units, dropout 0.5, 8 epochs of Adam) over word uni+bigrams and char_wb 2–5 (sublinear tf,
  // min_df 2) beat every linear model on 3 pooled validation splits (90.88 vs 90.02 Acc@1);
  // a vote of the 5 nearest training questions in its hidden layer, among its 3 best classes,
  // added 0.86 more (91.74) for ≈ 0.2 ms per question in scalar JS (≈ 20 µs in the SIMD
  // kernels that score it now). Its share shrinks with the network's
  // probability of those 3 classes (^4): same ranking, better-calibrated scores.
  banking77: {
    pipeline: {
      features: [
        { ngramRange: [1, 2], sublinearTf: true, minDf: 2 },
        { analyzer: 'char_wb', ngramRange: [2, 5], sublinearTf: true, minDf: 2 },
      ],
      classifier: {
        type: 'mlp',
        hiddenSize: 512,
        dropout: 0.5,
        epochs: 8,
        batchSize: 32,
        learningRate: 0.001,
        seed: 0,
        neighbours: { k: 5, temperature: 0.01, weight: 0.8, candidates: 3, confidence: 4 },
      },
    },
    addFaqText: true,
  },
};
