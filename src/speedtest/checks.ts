/**
 * Well-formedness checks for speed-test and benchmark responses: a response only counts as a
 * success when its body is what a client needs (the reference's speed test
 * checked that every FAQ answer held all 182 FAQs). Each check returns
 * `undefined` for a good body, else the reason it is not.
 */
export type BodyCheck = (body: string) => string | undefined;

const isId = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isProbability = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
// Scores are sorted best first; allow float noise in equal scores.
const EPS = 1e-9;

function parse(body: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(body) };
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `POST /score` for an FAQ model: `{"result": [[[Id, AnswerId, prob] × faqCount, best first], "Computed in X ms"]}`.
 * Without `faqCount` (a deployment whose model is unknown), the first
 * well-formed answer sets it and every later one must hold as many FAQs.
 */
export function scoreFaqCheck(faqCount?: number): BodyCheck {
  let expected = faqCount;
  return (body) => {
    const { value, error } = parse(body);
    if (error) return error;
    if (!isObject(value) || !Array.isArray(value.result) || value.result.length !== 2) return 'no "result" pair';
    const [ranking, computed] = value.result as unknown[];
    if (!Array.isArray(ranking)) return 'result[0] is not a list';
    if (ranking.length === 0) return 'result[0] is empty';
    if (expected !== undefined && ranking.length !== expected) return `result[0] has ${ranking.length} entries, expected ${expected}`;
    let previous = Number.POSITIVE_INFINITY;
    for (const [i, entry] of ranking.entries()) {
      if (!Array.isArray(entry) || entry.length !== 3) return `result[0][${i}] is not [Id, AnswerId, prob]`;
      const [id, answerId, prob] = entry as unknown[];
      if (!isId(id) || !isId(answerId)) return `result[0][${i}] has a bad id`;
      if (!isProbability(prob)) return `result[0][${i}] has a bad probability ${JSON.stringify(prob)}`;
      if (prob > previous + EPS) return `result[0] is not sorted best first at ${i}`;
      previous = prob;
    }
    if (typeof computed !== 'string' || !/^Computed in \d+(\.\d+)? ms$/.test(computed)) return 'result[1] is not "Computed in X ms"';
    expected ??= ranking.length;
    return undefined;
  };
}

/** `POST /v1/faq/match` with one question: `topK` matches, ranked 1…topK, best first. */
export function faqMatchCheck(topK: number): BodyCheck {
  return (body) => {
    const { value, error } = parse(body);
    if (error) return error;
    if (!isObject(value)) return 'not an object';
    if (typeof value.model !== 'string' || typeof value.version !== 'string') return 'no model name and version';
    if (!Array.isArray(value.matches)) return 'no "matches" list';
    if (value.matches.length !== topK) return `${value.matches.length} matches, expected ${topK}`;
    let previous = Number.POSITIVE_INFINITY;
    for (const [i, m] of (value.matches as unknown[]).entries()) {
      if (!isObject(m)) return `matches[${i}] is not an object`;
      if (m.rank !== i + 1) return `matches[${i}].rank is ${JSON.stringify(m.rank)}`;
      if (!isId(m.id) || !isId(m.answerId)) return `matches[${i}] has a bad id`;
      if (typeof m.question !== 'string' || typeof m.answer !== 'string') return `matches[${i}] lacks question or answer text`;
      if (!isProbability(m.score)) return `matches[${i}].score is ${JSON.stringify(m.score)}`;
      if (m.score > previous + EPS) return `matches are not sorted best first at ${i}`;
      previous = m.score;
    }
    return undefined;
  };
}

/**
 * `POST /v1/images/classify` with one image: `topK` predictions, best first,
 * probabilities summing to at most 1; with `expectedTop1`, the best class must
 * be that index (the same image always gets the same answer).
 */
export function classifyCheck(topK: number, expectedTop1?: number): BodyCheck {
  return (body) => {
    const { value, error } = parse(body);
    if (error) return error;
    if (!isObject(value)) return 'not an object';
    if (typeof value.model !== 'string' || typeof value.version !== 'string') return 'no model name and version';
    if (!Array.isArray(value.results) || value.results.length !== 1) return 'expected "results" with one entry';
    const first = value.results[0] as unknown;
    if (!isObject(first) || !Array.isArray(first.predictions)) return 'results[0] has no "predictions"';
    const predictions = first.predictions as unknown[];
    if (predictions.length !== topK) return `${predictions.length} predictions, expected ${topK}`;
    let previous = Number.POSITIVE_INFINITY;
    let sum = 0;
    for (const [i, p] of predictions.entries()) {
      if (!isObject(p)) return `predictions[${i}] is not an object`;
      if (!Number.isInteger(p.index) || (p.index as number) < 0) return `predictions[${i}].index is ${JSON.stringify(p.index)}`;
      if (typeof p.label !== 'string' || p.label.length === 0) return `predictions[${i}] has no label`;
      if (!isProbability(p.probability)) return `predictions[${i}].probability is ${JSON.stringify(p.probability)}`;
      if (p.probability > previous + EPS) return `predictions are not sorted best first at ${i}`;
      previous = p.probability;
      sum += p.probability;
    }
    if (sum > 1 + 1e-4) return `probabilities sum to ${sum}`;
    if (expectedTop1 !== undefined && (predictions[0] as { index: number }).index !== expectedTop1) {
      return `top-1 class ${(predictions[0] as { index: number }).index}, expected ${expectedTop1} (same image as before)`;
    }
    return undefined;
  };
}

/** The top-1 class index of a good classify body (to pin it for later checks). */
export function top1Index(body: string): number {
  const value = JSON.parse(body) as { results: { predictions: { index: number }[] }[] };
  return value.results[0]!.predictions[0]!.index;
}

/** `POST /score` for an image model: `{"result": [{"<key>": [["label", prob], … top 3]}, "Computed in X ms"]}`, one entry per key sent. */
export function scoreImageCheck(keys: readonly string[]): BodyCheck {
  return (body) => {
    const { value, error } = parse(body);
    if (error) return error;
    if (!isObject(value) || !Array.isArray(value.result) || value.result.length !== 2) return 'no "result" pair';
    const [byKey, computed] = value.result as unknown[];
    if (!isObject(byKey)) return 'result[0] is not an object of images';
    for (const key of keys) {
      const predictions = byKey[key];
      if (!Array.isArray(predictions) || predictions.length === 0) return `result[0].${key} has no predictions`;
      for (const [i, p] of (predictions as unknown[]).entries()) {
        if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || !isProbability(p[1])) return `result[0].${key}[${i}] is not ["label", prob]`;
      }
    }
    if (typeof computed !== 'string' || !/^Computed in \d+(\.\d+)? ms$/.test(computed)) return 'result[1] is not "Computed in X ms"';
    return undefined;
  };
}
