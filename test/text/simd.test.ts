import { describe, expect, it } from 'vitest';
import { compileKernels, KERNELS_MODULE } from '../../scripts/build-kernels.js';
import { mulberry32 } from '../../src/core/random.js';
import { KernelMemory } from '../../src/text/simd/kernels.js';
import { KERNELS_WASM_BASE64 } from '../../src/text/simd/kernels-wasm.js';

/** The WebAssembly JS API (@types/node 20 does not declare the global). */
const WebAssembly = (globalThis as any).WebAssembly;
const random = mulberry32(11);
const uniform = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => lo + (hi - lo) * random());

/** |got − want| within `rel` of the size of the terms summed (`scale`), so cancellation does not fail it. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>, rel: number): void {
  expect(got.length).toBe(want.length);
  for (let q = 0; q < want.length; q++) {
    const bound = rel * Math.max(scale[q]!, 1e-30);
    if (!(Math.abs(got[q]! - want[q]!) <= bound)) expect.fail(`value ${q}: got ${got[q]}, want ${want[q]} (± ${bound})`);
  }
}

describe('WebAssembly SIMD kernels against float64 loops', () => {
  it.each([1, 3, 4, 5, 7, 16, 17, 31, 33, 50])('dot products of a vector with 0, 1, 5, 9 consecutive rows of %i values', (dim) => {
    for (const count of [0, 1, 5, 9]) {
      // Rows of an odd dim start off 16-byte alignment (as in a model with such a hidden size).
      const km = new KernelMemory({ pad: 1, q: dim, rows: count * dim, out: Math.max(count, 1) });
      const { q, rows, out } = km.regions;
      q.f32.set(uniform(dim));
      rows.f32.set(uniform(count * dim));
      out.f32.fill(Number.NaN);
      km.dotRows(q.ptr, rows.ptr, count, dim, out.ptr);
      const want: number[] = [];
      const scale: number[] = [];
      for (let e = 0; e < count; e++) {
        let s = 0;
        let a = 0;
        for (let u = 0; u < dim; u++) {
          s += q.f32[u]! * rows.f32[e * dim + u]!;
          a += Math.abs(q.f32[u]! * rows.f32[e * dim + u]!);
        }
        want.push(s);
        scale.push(a);
      }
      expectClose(out.f32.subarray(0, count), want, scale, 1e-6);
      if (count === 0) expect(out.f32[0]).toBeNaN();
    }
  });

  it.each([1, 3, 4, 5, 15, 16, 17, 33, 64, 70])('a sparse row times a feature-major matrix of width %i, with and without ReLU', (width) => {
    const features = 23;
    for (const nnz of [0, 1, 5, 40]) {
      const km = new KernelMemory({ w: features * width, idx: nnz, val: nnz, from: width, out: width });
      const { w, idx, val, from, out } = km.regions;
      w.f32.set(uniform(features * width));
      // Repeats and any order are fine: the kernel just sums.
      idx.i32.set(Array.from({ length: nnz }, () => Math.floor(random() * features)));
      val.f32.set(uniform(nnz, 0, 2));
      from.f32.set(uniform(width));
      const want: number[] = [];
      const scale: number[] = [];
      for (let u = 0; u < width; u++) {
        let s = from.f32[u]!;
        let a = Math.abs(s);
        for (let p = 0; p < nnz; p++) {
          const t = val.f32[p]! * w.f32[idx.i32[p]! * width + u]!;
          s += t;
          a += Math.abs(t);
        }
        want.push(s);
        scale.push(a);
      }
      km.sparseRowTimesDense(w.ptr, width, idx.ptr, val.ptr, nnz, from.ptr, out.ptr, false);
      expectClose(out.f32, want, scale, 1e-6);
      km.sparseRowTimesDense(w.ptr, width, idx.ptr, val.ptr, nnz, from.ptr, out.ptr, true);
      expectClose(
        out.f32,
        want.map((v) => Math.max(v, 0)),
        scale,
        1e-6,
      );
      for (const v of out.f32) expect(v).toBeGreaterThanOrEqual(0);
      // In place (`from` = `out`): a long row summed in two parts.
      out.f32.set(from.f32);
      const half = nnz >> 1;
      km.sparseRowTimesDense(w.ptr, width, idx.ptr, val.ptr, half, out.ptr, out.ptr, false);
      km.sparseRowTimesDense(w.ptr, width, idx.ptr + 4 * half, val.ptr + 4 * half, nnz - half, out.ptr, out.ptr, false);
      expectClose(out.f32, want, scale, 1e-6);
    }
  });
});

describe('KernelMemory', () => {
  it('takes exactly the pages its regions need, each on a 64-byte line, and can never grow', () => {
    const km = new KernelMemory({ a: 3, b: 16384, c: 1 });
    expect(km.regions.a).toMatchObject({ ptr: 0, length: 3 });
    expect(km.regions.b).toMatchObject({ ptr: 64, length: 16384 });
    expect(km.regions.c).toMatchObject({ ptr: 64 + 65536, length: 1 });
    expect(km.byteLength).toBe(2 * 65536);
    expect(new KernelMemory({ a: 16384, b: 16384 - 16 }).byteLength).toBe(65536 * 2);
    expect(new KernelMemory({ a: 16384, b: 16384 }).byteLength).toBe(65536 * 2);
    expect(() => (km.memory as any).grow(1)).toThrow(RangeError);
    expect(km.regions.b.f32.length).toBe(16384);
    expect(new KernelMemory({ none: 0 }).byteLength).toBe(0);
    expect(() => new KernelMemory({ bad: 1.5 })).toThrow(/bad length/);
  });
});

describe('the compiled kernels', () => {
  const wasm = Buffer.from(KERNELS_WASM_BASE64, 'base64');

  it('import only their memory, export the two kernels and write no data into the memory', () => {
    const m = new WebAssembly.Module(wasm);
    expect(WebAssembly.Module.imports(m)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(m).map((e: { name: string }) => e.name)).toEqual(['sparseRowTimesDense', 'dotRows']);
    // Section ids: no data (11) segment (it would overwrite the model at instantiation), no start (8).
    const ids: number[] = [];
    for (let at = 8; at < wasm.length; ) {
      ids.push(wasm[at++]!);
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        const b = wasm[at++]!;
        size += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      at += size;
    }
    expect(ids).not.toContain(11);
    expect(ids).not.toContain(8);
  });

  it(`are what the AssemblyScript source compiles to (else: npm run build:kernels, then commit ${KERNELS_MODULE})`, async (ctx) => {
    try {
      await import('assemblyscript/asc');
    } catch {
      ctx.skip('the AssemblyScript compiler (dev dependency assemblyscript) is not installed: cannot check the committed kernels');
      return;
    }
    const fresh = await compileKernels();
    expect(Buffer.from(fresh).equals(wasm), `${KERNELS_MODULE} is stale: run npm run build:kernels`).toBe(true);
  });
});
