/**
 * The one softmax of rtscore: the text classifiers' training and scoring (in place, on
 * float64 rows) and the image classifier's logits → probabilities (a new Float32Array).
 *
 * Numerically stable: the maximum is subtracted before exponentiating, so large scores
 * cannot overflow, and the sum is taken in float64. Non-finite scores: NaN counts as
 * −Infinity (probability 0); +Infinity entries share all the probability equally; if every
 * score is −Infinity or NaN the result is uniform (nothing distinguishes the classes).
 */
export function softmaxInPlace(z: Float64Array, offset = 0, length = z.length - offset): void {
  if (length <= 0) return;
  const end = offset + length;
  let max = -Infinity;
  let posInf = 0;
  for (let q = offset; q < end; q++) {
    const v = z[q]!;
    if (v > max) max = v; // NaN never compares greater
    if (v === Infinity) posInf++;
  }
  if (posInf > 0) {
    for (let q = offset; q < end; q++) z[q] = z[q] === Infinity ? 1 / posInf : 0;
    return;
  }
  if (max === -Infinity) {
    z.fill(1 / length, offset, end);
    return;
  }
  let sum = 0;
  for (let q = offset; q < end; q++) {
    const v = z[q]!;
    sum += z[q] = Number.isNaN(v) ? 0 : Math.exp(v - max);
  }
  for (let q = offset; q < end; q++) z[q]! /= sum;
}

/** Softmax of `logits[offset … offset+length)` into a new Float32Array (see `softmaxInPlace`). */
export function softmax(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): Float32Array {
  const z = new Float64Array(length);
  for (let i = 0; i < length; i++) z[i] = logits[offset + i]!;
  softmaxInPlace(z, 0, length);
  return Float32Array.from(z);
}
