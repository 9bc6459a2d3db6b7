/** Dense kernels of the scoring path (plain loops shaped for V8: sums in locals, contiguous rows). */

/**
 * out[e] = Σ_u q[u] · rows[from + e·dim + u] for e < count: the dot products of `q` with
 * `count` consecutive rows. Four rows at a time, sums in locals (registers), each q[u]
 * loaded once per four rows.
 */
export function dotRows(q: Float64Array, rows: Float32Array, from: number, count: number, dim: number, out: Float64Array): void {
  let e = 0;
  for (; e + 4 <= count; e += 4) {
    const r0 = from + e * dim;
    const r1 = r0 + dim;
    const r2 = r1 + dim;
    const r3 = r2 + dim;
    // biome-ignore format: one unrolled block of 8 per line
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let u = 0; u < dim; u++) {
      const v = q[u]!;
      s0 += v * rows[r0 + u]!;
      s1 += v * rows[r1 + u]!;
      s2 += v * rows[r2 + u]!;
      s3 += v * rows[r3 + u]!;
    }
    out[e] = s0;
    out[e + 1] = s1;
    out[e + 2] = s2;
    out[e + 3] = s3;
  }
  for (; e < count; e++) {
    const r = from + e * dim;
    let s = 0;
    for (let u = 0; u < dim; u++) s += q[u]! * rows[r + u]!;
    out[e] = s;
  }
}
