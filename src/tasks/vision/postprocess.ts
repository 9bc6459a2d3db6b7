/**
 * Logits → probabilities → the k most likely classes.
 */

/**
 * Numerically stable softmax of `logits[offset … offset+length)` into a new
 * Float32Array: the maximum is subtracted before exponentiating, so large
 * logits cannot overflow, and the sum is taken in float64.
 *
 * Non-finite logits: NaN counts as −Infinity (probability 0); +Infinity
 * entries share all the probability equally; if every logit is −Infinity or
 * NaN the result is uniform (nothing distinguishes the classes).
 */
export function softmax(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): Float32Array {
  const out = new Float32Array(length);
  if (length === 0) return out;
  let max = -Infinity;
  let posInf = 0;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]!;
    if (v > max) max = v; // NaN never compares greater
    if (v === Infinity) posInf++;
  }
  if (posInf > 0) {
    for (let i = 0; i < length; i++) out[i] = logits[offset + i] === Infinity ? 1 / posInf : 0;
    return out;
  }
  if (max === -Infinity) return out.fill(1 / length);
  const exps = new Float64Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]!;
    const e = Number.isNaN(v) ? 0 : Math.exp(v - max);
    exps[i] = e;
    sum += e;
  }
  for (let i = 0; i < length; i++) out[i] = exps[i]! / sum;
  return out;
}
