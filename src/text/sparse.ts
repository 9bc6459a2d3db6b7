/**
 * Compressed sparse row matrices (scipy's CSR layout) and the few products the text
 * models need. Float32 values (features are TF-IDF weights; float32 halves memory and
 * is plenty for them); int32 indices; column indices sorted ascending within each row.
 */
import { rtsError } from '../core/errors.js';

export class CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row i's entries are at positions indptr[i] .. indptr[i+1]-1; length rows + 1. */
  readonly indptr: Int32Array;
  /** Column of each stored entry; sorted ascending within a row. */
  readonly indices: Int32Array;
  readonly data: Float32Array;

  constructor(rows: number, cols: number, indptr: Int32Array, indices: Int32Array, data: Float32Array) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw rtsError('INVALID_INPUT', `bad CSR shape ${rows}x${cols}`);
    }
    if (indptr.length !== rows + 1 || indptr[0] !== 0 || indices.length !== data.length || indptr[rows] !== indices.length) {
      throw rtsError('INVALID_INPUT', 'inconsistent CSR arrays (indptr / indices / data lengths)');
    }
    this.rows = rows;
    this.cols = cols;
    this.indptr = indptr;
    this.indices = indices;
    this.data = data;
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.indices.length;
  }

  /** An all-zero matrix. */
  static zeros(rows: number, cols: number): CsrMatrix {
    return new CsrMatrix(rows, cols, new Int32Array(rows + 1), new Int32Array(0), new Float32Array(0));
  }

  /** From a dense row-major array; zeros are not stored. */
  static fromDense(rows: number, cols: number, dense: ArrayLike<number>): CsrMatrix {
    if (dense.length !== rows * cols) throw rtsError('INVALID_INPUT', `dense array has ${dense.length} values, expected ${rows * cols}`);
    const indptr = new Int32Array(rows + 1);
    let nnz = 0;
    for (let k = 0; k < dense.length; k++) if (dense[k] !== 0) nnz++;
    const indices = new Int32Array(nnz);
    const data = new Float32Array(nnz);
    let p = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = dense[i * cols + j]!;
        if (v !== 0) {
          indices[p] = j;
          data[p++] = v;
        }
      }
      indptr[i + 1] = p;
    }
    return new CsrMatrix(rows, cols, indptr, indices, data);
  }

  /**
   * Place matrices side by side (same rows), optionally multiplying each block by a
   * weight (sklearn's FeatureUnion `transformer_weights`). Column indices of block b
   * are shifted by the widths of blocks 0..b-1, so rows stay sorted.
   */
  static hstack(ms: readonly CsrMatrix[], weights?: readonly number[]): CsrMatrix {
    if (ms.length === 0) throw rtsError('INVALID_INPUT', 'hstack needs at least one matrix');
    if (weights !== undefined && weights.length !== ms.length) {
      throw rtsError('INVALID_INPUT', `hstack got ${weights.length} weights for ${ms.length} matrices`);
    }
    const rows = ms[0]!.rows;
    let cols = 0;
    let nnz = 0;
    for (const m of ms) {
      if (m.rows !== rows) throw rtsError('INVALID_INPUT', `hstack of matrices with ${rows} and ${m.rows} rows`);
      cols += m.cols;
      nnz += m.nnz;
    }
    if (ms.length === 1 && (weights === undefined || weights[0] === 1)) return ms[0]!;
    const indptr = new Int32Array(rows + 1);
    const indices = new Int32Array(nnz);
    const data = new Float32Array(nnz);
    let p = 0;
    for (let i = 0; i < rows; i++) {
      let offset = 0;
      for (let b = 0; b < ms.length; b++) {
        const m = ms[b]!;
        const w = weights === undefined ? 1 : weights[b]!;
        for (let q = m.indptr[i]!, end = m.indptr[i + 1]!; q < end; q++, p++) {
          indices[p] = m.indices[q]! + offset;
          data[p] = w === 1 ? m.data[q]! : m.data[q]! * w;
        }
        offset += m.cols;
      }
      indptr[i + 1] = p;
    }
    return new CsrMatrix(rows, cols, indptr, indices, data);
  }

  /** The given rows, in the given order (repeats allowed). */
  selectRows(rows: ArrayLike<number>): CsrMatrix {
    const n = rows.length;
    const indptr = new Int32Array(n + 1);
    let nnz = 0;
    for (let k = 0; k < n; k++) {
      const r = rows[k]!;
      if (!Number.isInteger(r) || r < 0 || r >= this.rows) throw rtsError('INVALID_INPUT', `row ${r} out of range 0..${this.rows - 1}`);
      nnz += this.indptr[r + 1]! - this.indptr[r]!;
      indptr[k + 1] = nnz;
    }
    const indices = new Int32Array(nnz);
    const data = new Float32Array(nnz);
    for (let k = 0; k < n; k++) {
      const r = rows[k]!;
      const start = this.indptr[r]!;
      const end = this.indptr[r + 1]!;
      indices.set(this.indices.subarray(start, end), indptr[k]!);
      data.set(this.data.subarray(start, end), indptr[k]!);
    }
    return new CsrMatrix(n, this.cols, indptr, indices, data);
  }

  /** Euclidean norm of each row. */
  rowNorms(): Float64Array {
    const out = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) {
      let s = 0;
      for (let p = this.indptr[i]!, end = this.indptr[i + 1]!; p < end; p++) s += this.data[p]! * this.data[p]!;
      out[i] = Math.sqrt(s);
    }
    return out;
  }

  /** Value at (i, j), 0 when not stored (binary search: rows are sorted). */
  get(i: number, j: number): number {
    let lo = this.indptr[i]!;
    let hi = this.indptr[i + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.indices[mid]!;
      if (c === j) return this.data[mid]!;
      if (c < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Dense row-major copy (for tests and small matrices). */
  toDense(): Float32Array {
    const out = new Float32Array(this.rows * this.cols);
    for (let i = 0; i < this.rows; i++) {
      for (let p = this.indptr[i]!, end = this.indptr[i + 1]!; p < end; p++) out[i * this.cols + this.indices[p]!] = this.data[p]!;
    }
    return out;
  }

  /**
   * The transpose, as CSR (which is this matrix in CSC layout). Row indices come out sorted
   * because rows are visited in order.
   */
  transpose(): CsrMatrix {
    const indptr = new Int32Array(this.cols + 1);
    for (let p = 0; p < this.indices.length; p++) indptr[this.indices[p]! + 1]! += 1;
    for (let j = 0; j < this.cols; j++) indptr[j + 1]! += indptr[j]!;
    const next = indptr.slice(0, this.cols);
    const indices = new Int32Array(this.nnz);
    const data = new Float32Array(this.nnz);
    for (let i = 0; i < this.rows; i++) {
      for (let p = this.indptr[i]!, end = this.indptr[i + 1]!; p < end; p++) {
        const q = next[this.indices[p]!]!++;
        indices[q] = i;
        data[q] = this.data[p]!;
      }
    }
    return new CsrMatrix(this.cols, this.rows, indptr, indices, data);
  }

  /** Throw INVALID_INPUT unless every column index is in range and rows are strictly ascending. */
  validate(): void {
    for (let i = 0; i < this.rows; i++) {
      const start = this.indptr[i]!;
      const end = this.indptr[i + 1]!;
      if (end < start) throw rtsError('INVALID_INPUT', `CSR indptr decreases at row ${i}`);
      for (let p = start; p < end; p++) {
        const c = this.indices[p]!;
        if (c < 0 || c >= this.cols) throw rtsError('INVALID_INPUT', `CSR column ${c} out of range at row ${i}`);
        if (p > start && c <= this.indices[p - 1]!) throw rtsError('INVALID_INPUT', `CSR row ${i} is not sorted / has duplicates`);
      }
    }
  }
}

/**
 * out[outOffset + k] += Σ_p X[row, j_p] · W[j_p · width + k] for k < width: row `row` of X
 * times a dense matrix W stored feature-major (row-major, features × width). Costs
 * nnz(row) × width multiply-adds, touching only the rows of W the document uses.
 *
 * Blocked by 8 outputs kept in local variables (registers) while walking the row's
 * entries: about twice as fast in V8 as updating out[k] in the innermost loop.
 */
export function addRowTimesDense(x: CsrMatrix, row: number, w: Float32Array | Float64Array, width: number, out: Float64Array, outOffset = 0): void {
  const { indices, data } = x;
  const start = x.indptr[row]!;
  const end = x.indptr[row + 1]!;
  const w8 = width - (width % 8);
  let k = 0;
  for (; k < w8; k += 8) {
    // biome-ignore format: one unrolled block of 8 per line
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let p = start; p < end; p++) {
      const v = data[p]!;
      const b = indices[p]! * width + k;
      a0 += v * w[b]!;
      a1 += v * w[b + 1]!;
      a2 += v * w[b + 2]!;
      a3 += v * w[b + 3]!;
      a4 += v * w[b + 4]!;
      a5 += v * w[b + 5]!;
      a6 += v * w[b + 6]!;
      a7 += v * w[b + 7]!;
    }
    const o = outOffset + k;
    out[o] += a0;
    out[o + 1] += a1;
    out[o + 2] += a2;
    out[o + 3] += a3;
    out[o + 4] += a4;
    out[o + 5] += a5;
    out[o + 6] += a6;
    out[o + 7] += a7;
  }
  for (; k < width; k++) {
    let a = 0;
    for (let p = start; p < end; p++) a += data[p]! * w[indices[p]! * width + k]!;
    out[outOffset + k] += a;
  }
}

/** X · W (+ bias), rows × width, row-major Float64; W is feature-major (X.cols × width). */
export function csrTimesDense(x: CsrMatrix, w: Float32Array | Float64Array, width: number, bias?: Float32Array | Float64Array): Float64Array {
  if (w.length !== x.cols * width) throw rtsError('INVALID_INPUT', `weights have ${w.length} values, expected ${x.cols}x${width}`);
  const out = new Float64Array(x.rows * width);
  for (let i = 0; i < x.rows; i++) {
    const o = i * width;
    if (bias !== undefined) for (let k = 0; k < width; k++) out[o + k] = bias[k]!;
    addRowTimesDense(x, i, w, width, out, o);
  }
  return out;
}

/**
 * A CSR matrix built row by row: `reserve` room for entries, write them into `indices` /
 * `data` at the offset it returns, `append` them to the current row (a row may be filled in
 * several parts, e.g. one per feature block), `endRow`, and `finish` once every row is in.
 */
export class CsrBuilder {
  readonly indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
  private rows = 0;
  private nnz = 0;

  constructor(nRows: number, capacity: number) {
    this.indptr = new Int32Array(nRows + 1);
    this.indices = new Int32Array(Math.max(capacity, 16));
    this.data = new Float32Array(Math.max(capacity, 16));
  }

  /** Make room for n more entries; returns where they go. */
  reserve(n: number): number {
    if (this.nnz + n > this.indices.length) {
      const cap = Math.max(this.nnz + n, 2 * this.indices.length);
      const indices = new Int32Array(cap);
      indices.set(this.indices.subarray(0, this.nnz));
      const data = new Float32Array(cap);
      data.set(this.data.subarray(0, this.nnz));
      this.indices = indices;
      this.data = data;
    }
    return this.nnz;
  }

  /** The n entries written at the reserved offset join the current row. */
  append(n: number): void {
    this.nnz += n;
  }

  endRow(): void {
    this.indptr[++this.rows] = this.nnz;
  }

  finish(cols: number): CsrMatrix {
    if (this.rows !== this.indptr.length - 1) throw rtsError('INTERNAL', `CsrBuilder finished with ${this.rows} of ${this.indptr.length - 1} rows`);
    const exact = this.nnz === this.indices.length;
    return new CsrMatrix(
      this.rows,
      cols,
      this.indptr,
      exact ? this.indices : this.indices.slice(0, this.nnz),
      exact ? this.data : this.data.slice(0, this.nnz),
    );
  }
}
