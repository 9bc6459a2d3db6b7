/**
 * Softmax of `z[offset … offset+length)` in place: the maximum is subtracted before
 * exponentiating, so large scores cannot overflow.
 */
export function softmaxInPlace(z: Float64Array, offset: number, length: number): void {
  const end = offset + length;
  let max = -Infinity;
  for (let q = offset; q < end; q++) if (z[q]! > max) max = z[q]!;
  let sum = 0;
  for (let q = offset; q < end; q++) sum += (z[q] = Math.exp(z[q]! - max));
  for (let q = offset; q < end; q++) z[q]! /= sum;
}
