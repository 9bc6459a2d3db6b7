import { describe, expect, it } from 'vitest';
import { softmax, softmaxInPlace } from '../../src/core/softmax.js';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('softmax', () => {
  it('gives known values', () => {
    // e^0, e^1, e^2 over their sum 1 + e + e² = 11.1073…
    const p = softmax([0, 1, 2]);
    expect(p[0]).toBeCloseTo(0.09003057, 7);
    expect(p[1]).toBeCloseTo(0.24472847, 7);
    expect(p[2]).toBeCloseTo(0.66524096, 7);
    expect(Array.from(softmax([3, 3, 3, 3]))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('is stable for large logits (shift invariant, no overflow)', () => {
    const p = softmax([1000, 1001, 1002]);
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
    expect(p[2]).toBeCloseTo(0.66524096, 7);
    const q = softmax([-1e30, 0]);
    expect(Array.from(q)).toEqual([0, 1]);
  });

  it('works on a slice of a batch', () => {
    const logits = new Float32Array([9, 9, 0, 1, 2, 9]);
    expect(Array.from(softmax(logits, 2, 3))).toEqual(Array.from(softmax([0, 1, 2])));
  });

  it('treats non-finite logits sanely', () => {
    expect(Array.from(softmax([1, Infinity, 2, Infinity]))).toEqual([0, 0.5, 0, 0.5]);
    expect(Array.from(softmax([0, NaN, 0]))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(softmax([-Infinity, 0]))).toEqual([0, 1]);
    expect(Array.from(softmax([NaN, -Infinity]))).toEqual([0.5, 0.5]);
    expect(sum(softmax(Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 50)))).toBeCloseTo(1, 5);
  });

  it('in place on a row of a float64 batch, the same numbers as the Float32 copy', () => {
    const z = new Float64Array([5, 0, 1, 2, 5]);
    softmaxInPlace(z, 1, 3);
    expect(z[0]).toBe(5);
    expect(z[4]).toBe(5);
    expect(Array.from(Float32Array.from(z.subarray(1, 4)))).toEqual(Array.from(softmax([0, 1, 2])));
    expect(z[1]! + z[2]! + z[3]!).toBeCloseTo(1, 12);
  });
});
