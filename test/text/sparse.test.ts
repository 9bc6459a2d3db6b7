import { describe, expect, it } from 'vitest';
import { numpyArgsort } from '../../src/text/argsort.js';
import { CsrMatrix, csrTimesDense } from '../../src/text/index.js';
import { addRowTimesDense } from '../../src/text/sparse.js';

const A = CsrMatrix.fromDense(3, 4, [1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 4]);
const B = CsrMatrix.fromDense(3, 2, [5, 0, 0, 6, 7, 8]);

describe('CsrMatrix', () => {
  it('builds from dense and back', () => {
    expect(A.nnz).toBe(4);
    expect(Array.from(A.indptr)).toEqual([0, 2, 2, 4]);
    expect(Array.from(A.toDense())).toEqual([1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 4]);
    expect(A.get(2, 3)).toBe(4);
    expect(A.get(1, 3)).toBe(0);
    A.validate();
  });

  it('hstack shifts columns and applies block weights', () => {
    const H = CsrMatrix.hstack([A, B], [1, 0.5]);
    expect(H.cols).toBe(6);
    H.validate();
    expect(Array.from(H.toDense())).toEqual([1, 0, 2, 0, 2.5, 0, 0, 0, 0, 0, 0, 3, 0, 3, 0, 4, 3.5, 4]);
    expect(() => CsrMatrix.hstack([A, CsrMatrix.zeros(2, 2)])).toThrow(/rows/);
  });

  it('selectRows picks and repeats rows', () => {
    const S = A.selectRows([2, 0, 2]);
    expect(Array.from(S.toDense())).toEqual([0, 3, 0, 4, 1, 0, 2, 0, 0, 3, 0, 4]);
    expect(() => A.selectRows([3])).toThrow(/out of range/);
  });

  it('rowNorms and transpose', () => {
    expect(Array.from(A.rowNorms())).toEqual([Math.sqrt(5), 0, 5]);
    const T = A.transpose();
    T.validate();
    expect(T.rows).toBe(4);
    expect(Array.from(T.toDense())).toEqual([1, 0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 4]);
  });

  it('multiplies rows by feature-major dense weights (blocked and remainder classes)', () => {
    // 4 features × 11 outputs: exercises one block of 8 and a remainder of 3.
    const width = 11;
    const W = Float32Array.from({ length: 4 * width }, (_, t) => ((t * 7) % 13) - 6);
    const out = csrTimesDense(
      A,
      W,
      width,
      Float32Array.from({ length: width }, (_, k) => k),
    );
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < width; k++) {
        let want = k;
        for (let j = 0; j < 4; j++) want += A.get(i, j) * W[j * width + k]!;
        expect(out[i * width + k]).toBeCloseTo(want, 10);
      }
    }
    // Into an offset of a larger buffer, adding to what is there; an empty row adds nothing.
    const acc = new Float64Array(2 * width).fill(1);
    addRowTimesDense(A, 2, W, width, acc, width);
    for (let k = 0; k < width; k++) expect(acc[width + k]).toBeCloseTo(out[2 * width + k]! - k + 1, 10);
    addRowTimesDense(A, 1, W, width, acc);
    expect(Array.from(acc.subarray(0, width))).toEqual(new Array(width).fill(1));
  });

  it('rejects inconsistent arrays', () => {
    expect(() => new CsrMatrix(2, 2, new Int32Array([0, 1]), new Int32Array([0]), new Float32Array([1]))).toThrow(/inconsistent/);
    expect(() => new CsrMatrix(1, 2, new Int32Array([0, 2]), new Int32Array([1, 0]), new Float32Array([1, 1])).validate()).toThrow(/not sorted/);
  });
});

describe('numpyArgsort (numpy 1.24.2 default quicksort)', () => {
  it('orders ties exactly like numpy', () => {
    // numpy: a.argsort() for each array below
    const a = [-1, -1, -2, -2, -1, -2, -1, -1, -2, -1, -1, -1, -2, -2, -1, -2, -1];
    expect(Array.from(numpyArgsort(a))).toEqual([8, 2, 3, 13, 5, 12, 15, 14, 11, 10, 0, 7, 6, 4, 1, 9, 16]);
    expect(Array.from(numpyArgsort(new Array(17).fill(0)))).toEqual([0, 14, 13, 12, 11, 10, 9, 15, 8, 6, 5, 4, 3, 2, 1, 7, 16]);
    // (np.arange(40) * 7 % 5).argsort()
    const b = Array.from({ length: 40 }, (_, i) => (i * 7) % 5);
    expect(Array.from(numpyArgsort(b))).toEqual([
      0, 20, 15, 30, 10, 25, 35, 5, 23, 8, 33, 28, 13, 3, 38, 18, 6, 21, 1, 36, 16, 26, 11, 31, 34, 29, 19, 14, 9, 4, 24, 39, 27, 22, 17, 12, 32, 7, 2, 37,
    ]);
    // a.argsort(kind='heapsort'), the introsort's fallback past its depth limit
    expect(Array.from(numpyArgsort(a, 'heapsort'))).toEqual([12, 8, 15, 5, 2, 13, 3, 6, 11, 10, 9, 4, 16, 14, 7, 1, 0]);
    expect(Array.from(numpyArgsort(b, 'heapsort'))).toEqual([
      0, 30, 5, 25, 35, 10, 15, 20, 18, 33, 3, 8, 38, 13, 28, 23, 6, 26, 11, 21, 16, 36, 1, 31, 29, 14, 24, 4, 19, 9, 39, 34, 27, 12, 2, 22, 37, 17, 32, 7,
    ]);
    // 16 elements or fewer: insertion sort, hence stable
    expect(Array.from(numpyArgsort([1, 0, 1, 0]))).toEqual([1, 3, 0, 2]);
  });

  it('always returns a sorting permutation', () => {
    let seed = 3;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const n of [0, 1, 2, 50, 1000, 5000]) {
      const v = Array.from({ length: n }, () => Math.floor(rnd() * 20));
      for (const kind of ['quicksort', 'heapsort'] as const) {
        const idx = numpyArgsort(v, kind);
        expect(new Set(idx).size).toBe(n);
        let sorted = true;
        for (let i = 1; i < n; i++) if (v[idx[i]!]! < v[idx[i - 1]!]!) sorted = false;
        expect(sorted).toBe(true);
      }
    }
    // Sorted input of any length stays sorted (the median-of-3 path).
    const asc = Array.from({ length: 3000 }, (_, i) => i);
    expect(Array.from(numpyArgsort(asc))).toEqual(asc);
  });
});
