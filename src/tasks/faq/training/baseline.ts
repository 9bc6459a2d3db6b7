/**
 * The plain baseline the trained matchers must beat: TF-IDF vectors of the FAQs' own text,
 * and a question's score for each FAQ = the cosine similarity of their vectors. Nothing is
 * learnt from the labelled duplicates.
 */
import { csrTimesDense, type TfidfOptions, TfidfVectorizer } from '../../../text/index.js';

export class CosineBaseline {
  private readonly vectorizer: TfidfVectorizer;
  /** FAQ vectors, feature-major (features × FAQs), l2-normalised. */
  private readonly faqVectors: Float32Array;
  readonly faqCount: number;

  /**
   * @param faqTexts the FAQs' cleaned texts, in class-index order.
   * @param options TF-IDF options (default: scikit-learn's defaults, word unigrams, l2 norm).
   * @param corpus texts to learn the vocabulary and IDF from (default: the FAQ texts alone;
   *   passing the unlabelled training questions too gives a better-informed IDF).
   */
  constructor(faqTexts: readonly string[], options: TfidfOptions = {}, corpus?: readonly string[]) {
    this.vectorizer = new TfidfVectorizer({ ...options, norm: 'l2' });
    if (corpus) this.vectorizer.fit(corpus);
    const X = corpus ? this.vectorizer.transform(faqTexts) : this.vectorizer.fitTransform(faqTexts);
    this.faqCount = faqTexts.length;
    this.faqVectors = X.transpose().toDense();
  }

  /** Cosine similarities, questions × FAQs, row-major. */
  scores(questions: readonly string[]): Float32Array {
    return Float32Array.from(csrTimesDense(this.vectorizer.transform(questions), this.faqVectors, this.faqCount));
  }
}
