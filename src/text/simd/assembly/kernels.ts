/**
 * The scoring kernels of the text models, in AssemblyScript, compiled to WebAssembly with
 * 128-bit SIMD by `npm run build:kernels` (scripts/build-kernels.ts) into ../kernels-wasm.ts.
 * This file is not TypeScript for Node: the root tsconfig excludes it.
 *
 * Every argument that names an array is a byte offset into the linear memory, which the host
 * imports (`env.memory`, sized once, never grown: the module allocates nothing and has no data
 * segments). Values are f32 and products are summed in f32x4 lanes (4 partial sums per output
 * or per row, added at the end): no fused multiply-add, so each product and each sum rounds
 * to f32.
 */

/**
 * out[u] = act(from[u] + Σ_p val[p] · w[idx[p] · width + u]) for u < width, act = max(·, 0)
 * when `relu` is set, else the identity: a sparse row (nnz column indices and values) times
 * a dense feature-major matrix. `from` may be `out` itself (to go on summing a long row in
 * parts). Blocks of 16 outputs sit in four f32x4 registers while the row's entries are walked,
 * so each output is loaded and stored once per call.
 */
export function sparseRowTimesDense(w: usize, width: i32, idx: usize, val: usize, nnz: i32, from: usize, out: usize, relu: bool): void {
  const stride = (<usize>width) << 2;
  const zero = f32x4.splat(0);
  let u = 0;
  for (; u + 16 <= width; u += 16) {
    const off = (<usize>u) << 2;
    let a0 = v128.load(from + off);
    let a1 = v128.load(from + off, 16);
    let a2 = v128.load(from + off, 32);
    let a3 = v128.load(from + off, 48);
    for (let p = 0; p < nnz; p++) {
      const q = (<usize>p) << 2;
      const v = f32x4.splat(load<f32>(val + q));
      const row = w + <usize>load<u32>(idx + q) * stride + off;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(row, 48)));
    }
    if (relu) {
      a0 = f32x4.max(a0, zero);
      a1 = f32x4.max(a1, zero);
      a2 = f32x4.max(a2, zero);
      a3 = f32x4.max(a3, zero);
    }
    v128.store(out + off, a0);
    v128.store(out + off, a1, 16);
    v128.store(out + off, a2, 32);
    v128.store(out + off, a3, 48);
  }
  for (; u + 4 <= width; u += 4) {
    const off = (<usize>u) << 2;
    let a = v128.load(from + off);
    for (let p = 0; p < nnz; p++) {
      const q = (<usize>p) << 2;
      a = f32x4.add(a, f32x4.mul(f32x4.splat(load<f32>(val + q)), v128.load(w + <usize>load<u32>(idx + q) * stride + off)));
    }
    if (relu) a = f32x4.max(a, zero);
    v128.store(out + off, a);
  }
  for (; u < width; u++) {
    const off = (<usize>u) << 2;
    let a = load<f32>(from + off);
    for (let p = 0; p < nnz; p++) {
      const q = (<usize>p) << 2;
      a += load<f32>(val + q) * load<f32>(w + <usize>load<u32>(idx + q) * stride + off);
    }
    if (relu && a < 0) a = 0;
    store<f32>(out + off, a);
  }
}

/** The sum of a vector's four lanes, as (l0 + l1) + (l2 + l3) (small enough for Binaryen to inline). */
function lanes(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
}

/**
 * out[e] = Σ_u q[u] · rows[e · dim + u] for e < count: the dot products of `q` with `count`
 * consecutive rows of `dim` values. Four rows at a time, each q[u..u+4) loaded once for the
 * four; the last dim mod 4 products are added to the lanes' sum in scalar.
 */
export function dotRows(q: usize, rows: usize, count: i32, dim: i32, out: usize): void {
  const stride = (<usize>dim) << 2;
  const end = (<usize>(dim & ~3)) << 2;
  let e = 0;
  for (; e + 4 <= count; e += 4) {
    const r0 = rows + <usize>e * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    for (let off: usize = 0; off < end; off += 16) {
      const x = v128.load(q + off);
      s0 = f32x4.add(s0, f32x4.mul(x, v128.load(r0 + off)));
      s1 = f32x4.add(s1, f32x4.mul(x, v128.load(r1 + off)));
      s2 = f32x4.add(s2, f32x4.mul(x, v128.load(r2 + off)));
      s3 = f32x4.add(s3, f32x4.mul(x, v128.load(r3 + off)));
    }
    let t0 = lanes(s0);
    let t1 = lanes(s1);
    let t2 = lanes(s2);
    let t3 = lanes(s3);
    for (let off = end; off < stride; off += 4) {
      const x = load<f32>(q + off);
      t0 += x * load<f32>(r0 + off);
      t1 += x * load<f32>(r1 + off);
      t2 += x * load<f32>(r2 + off);
      t3 += x * load<f32>(r3 + off);
    }
    const o = out + ((<usize>e) << 2);
    store<f32>(o, t0);
    store<f32>(o, t1, 4);
    store<f32>(o, t2, 8);
    store<f32>(o, t3, 12);
  }
  for (; e < count; e++) {
    const r = rows + <usize>e * stride;
    let s = f32x4.splat(0);
    for (let off: usize = 0; off < end; off += 16) s = f32x4.add(s, f32x4.mul(v128.load(q + off), v128.load(r + off)));
    let t = lanes(s);
    for (let off = end; off < stride; off += 4) t += load<f32>(q + off) * load<f32>(r + off);
    store<f32>(out + ((<usize>e) << 2), t);
  }
}
