/**
 * The scoring kernels of the text models in WebAssembly SIMD (f32x4): a sparse row times a
 * dense matrix (a network's hidden layer) and dot products of a vector with consecutive rows
 * (its output layer, the neighbour vote). The source is AssemblyScript (assembly/kernels.ts),
 * compiled by `npm run build:kernels` into kernels-wasm.ts.
 *
 * A `KernelMemory` is one model's linear memory, laid out once when the model loads: named
 * regions of f32 or i32 values in a `WebAssembly.Memory` of exactly the pages they need and no
 * more (its maximum is its size, so it can never grow: growing would detach the views handed
 * out). Each region starts on a 64-byte cache line: with W1 off the line, each 16-unit block
 * of a row spans two lines and the hidden layer took ≈ 1.8× as long. The model copies its
 * weights into the regions' views and scores by passing the regions' byte offsets to the
 * kernels.
 *
 * Precision: values are f32 and each kernel sums its products in f32 (four partial sums per
 * output, in the lanes of an f32x4, added at the end; no fused multiply-add), where the
 * plain-JS loops they replace summed in float64 and kept the hidden layer in float64. That
 * moves a sum by ~1e-7 relative. On the banking77 model (512 hidden units, 10,003 questions)
 * the network's probabilities agree with the float64 path to ≤ 5e-6 relative; the neighbour
 * vote weighs exp((s − 1) / temperature), which multiplies a similarity's error by
 * 1/temperature (100 there), so the blended probabilities agree to ≤ 2.5e-5 relative
 * (≤ 2.4e-6 absolute), and the ranking of every question is the same.
 */
import { rtsError } from '../../core/errors.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

const PAGE = 65536;
/** Regions start on cache lines. */
const LINE = 64;
/** Pages of a 32-bit memory: 4 GiB. */
const MAX_PAGES = 65536;

/** The module's exports (assembly/kernels.ts); pointers are byte offsets into the memory. */
interface KernelExports {
  sparseRowTimesDense(w: number, width: number, idx: number, val: number, nnz: number, from: number, out: number, relu: number): void;
  dotRows(q: number, rows: number, count: number, dim: number, out: number): void;
}

/** The part of the WebAssembly JS API used here (@types/node 20 does not declare the global). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null = null;

/** The compiled module, shared by every model (compiling it takes a few milliseconds once). */
function kernelModule(): object {
  compiled ??= new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/** A region of a kernel memory: `length` 4-byte values at byte offset `ptr`, seen as f32 and i32. */
export interface Region {
  readonly ptr: number;
  readonly length: number;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
}

export class KernelMemory<Name extends string = string> {
  /** Its `WebAssembly.Memory`. */
  readonly memory: WasmMemory;
  readonly regions: Readonly<Record<Name, Region>>;
  private readonly k: KernelExports;

  /** A memory of these regions (lengths in 4-byte values), laid out in the order given. */
  constructor(lengths: Readonly<Record<Name, number>>) {
    const offsets: Array<[Name, number, number]> = [];
    let end = 0;
    for (const name of Object.keys(lengths) as Name[]) {
      const length = lengths[name];
      if (!Number.isSafeInteger(length) || length < 0) throw rtsError('INVALID_INPUT', `kernel memory region ${name}: bad length ${length}`);
      offsets.push([name, end, length]);
      end += Math.ceil((length * 4) / LINE) * LINE;
    }
    const pages = Math.ceil(end / PAGE);
    if (pages > MAX_PAGES) throw rtsError('INVALID_INPUT', `a model of ${end} bytes does not fit a 4 GiB WebAssembly memory`);
    this.memory = new wasm.Memory({ initial: pages, maximum: pages });
    const buffer = this.memory.buffer;
    const regions = {} as Record<Name, Region>;
    for (const [name, ptr, length] of offsets) {
      regions[name] = { ptr, length, f32: new Float32Array(buffer, ptr, length), i32: new Int32Array(buffer, ptr, length) };
    }
    this.regions = regions;
    this.k = new wasm.Instance(kernelModule(), { env: { memory: this.memory } }).exports as unknown as KernelExports;
  }

  /** Bytes of the memory (whole pages). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * out[u] = act(from[u] + Σ_p val[p] · w[idx[p]·width + u]) for u < width (act: ReLU when
   * `relu`, else none), all byte offsets into this memory: `nnz` column indices (i32, each
   * < the rows of w: not checked here) and values (f32) of a sparse row, `w` feature-major.
   * `from` may be `out`.
   */
  sparseRowTimesDense(w: number, width: number, idx: number, val: number, nnz: number, from: number, out: number, relu: boolean): void {
    this.k.sparseRowTimesDense(w, width, idx, val, nnz, from, out, relu ? 1 : 0);
  }

  /** out[e] = Σ_u q[u] · rows[e·dim + u] for e < count (f32; byte offsets into this memory). */
  dotRows(q: number, rows: number, count: number, dim: number, out: number): void {
    this.k.dotRows(q, rows, count, dim, out);
  }
}
