import { stratifiedSplit } from '../data/split.js';
import type { FaqId, LabelledQuestion, PreparedSet } from '../data/types.js';

/** Class index of each FAQ (`answerId` → position in `originals`). */
export function classIndex(set: { originals: readonly { answerId: FaqId }[] }): Map<FaqId, number> {
  return new Map(set.originals.map((o, i) => [o.answerId, i]));
}

export interface TrainingTexts {
  texts: string[];
  y: Int32Array;
}

/**
 * Texts and labels to fit on: the questions, plus (when `addFaqText`) each FAQ's own text
 * once as an example of its class — the FAQ is itself a question the class must match.
 */
export function trainingTexts(set: Pick<PreparedSet, 'originals'>, questions: readonly LabelledQuestion[], addFaqText: boolean): TrainingTexts {
  const index = classIndex(set);
  const texts = questions.map((q) => q.text);
  const labels = questions.map((q) => {
    const c = index.get(q.answerId);
    if (c === undefined) throw new Error(`question ${q.id} has answer id ${q.answerId}, which is no FAQ`);
    return c;
  });
  if (addFaqText) {
    set.originals.forEach((o, i) => {
      texts.push(o.text);
      labels.push(i);
    });
  }
  return { texts, y: Int32Array.from(labels) };
}

/** Share of the training questions held out for validation (per class, stratified). */
export const VALIDATION_SIZE = 0.2;

/**
 * The validation split carved from the training questions: the same stratified rule as the
 * test split, with seed `seed + 1` so it is independent of the test split's draw.
 */
export function validationSplit(train: readonly LabelledQuestion[], seed: number): { fit: LabelledQuestion[]; validation: LabelledQuestion[] } {
  const s = stratifiedSplit(train, (q) => q.answerId, { testSize: VALIDATION_SIZE, seed: seed + 1 });
  return { fit: s.train, validation: s.test };
}
