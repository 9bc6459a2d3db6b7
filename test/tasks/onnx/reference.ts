import type { ForestParams, LinearParams, RegressorParams, ScalerParams, TextParams, TreeNode } from './fixtures.js';

/**
 * What the fixtures must compute, from their own parameters: scikit-learn's
 * formulas (predict_proba of a multinomial LogisticRegression, a forest's
 * averaged leaf probabilities, StandardScaler + Normalizer, TfidfVectorizer),
 * in float64 — ONNX Runtime's float32 agrees within ~1e-6.
 */
export function softmaxRow(scores: number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function argmax(row: number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

export function linearProba(p: LinearParams, x: number[]): number[] {
  return softmaxRow(p.coefficients.map((w, c) => w.reduce((s, wi, i) => s + wi * x[i]!, p.intercepts[c]!)));
}

function leaf(tree: TreeNode, x: number[]): number[] {
  let node = tree;
  while (!node.weights) node = Math.fround(x[node.feature!]!) <= node.threshold! ? node.left! : node.right!;
  return node.weights;
}

export function forestProba(p: ForestParams, x: number[]): number[] {
  const sum = new Array<number>(p.labels.length).fill(0);
  for (const t of p.trees)
    leaf(t, x).forEach((w, c) => {
      sum[c]! += w / p.trees.length;
    });
  return sum;
}

export function regress(p: RegressorParams, x: number[]): number {
  const total = p.trees.reduce((s, t) => s + leaf(t, x)[0]!, 0);
  return (p.aggregate === 'AVERAGE' ? total / p.trees.length : total) + p.base;
}

export function normalize(v: number[], norm: 'L1' | 'L2' | 'MAX'): number[] {
  const d = norm === 'L1' ? v.reduce((s, x) => s + Math.abs(x), 0) : norm === 'L2' ? Math.sqrt(v.reduce((s, x) => s + x * x, 0)) : Math.max(...v.map(Math.abs));
  return d === 0 ? v : v.map((x) => x / d);
}

export function scaleNormalize(p: ScalerParams, x: number[]): number[] {
  return normalize(
    x.map((v, i) => (Math.fround(v) - p.offset[i]!) * p.scale[i]!),
    p.norm,
  );
}

export function tfidf(p: TextParams, text: string): number[] {
  const tokens = text.toLowerCase().match(/[a-zA-Z0-9_]+/g) ?? [];
  const counts = p.vocabulary.map((w) => tokens.filter((t) => t === w).length);
  return normalize(
    counts.map((c, i) => c * p.idf[i]!),
    'L2',
  );
}

export function textProba(p: TextParams, text: string): number[] {
  return linearProba(p.classifier, tfidf(p, text));
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}
