/**
 * The arrays of a saved text pipeline: named, typed sections of the file's data area. Each
 * estimator writes its own arrays through a `SectionWriter` (`toSections`) and reads them back
 * through a `SectionReader` (`fromSections`), as scikit-learn estimators own their
 * `__getstate__`; serialize.ts only frames them (header, alignment, checksum).
 */
import { rtsError } from '../core/errors.js';

export type Dtype = 'uint32' | 'float32' | 'float64' | 'utf8';
export const DTYPE_SIZE: Record<Dtype, number> = { uint32: 4, float32: 4, float64: 8, utf8: 1 };

/** One entry of the header's section table. */
export interface Section {
  name: string;
  dtype: Dtype;
  /** Byte offset relative to the data area. */
  offset: number;
  /** Number of elements (bytes for utf8). */
  length: number;
}

export interface SectionWriter {
  uint32(name: string, values: Uint32Array): void;
  float32(name: string, values: Float32Array): void;
  float64(name: string, values: Float64Array): void;
  utf8(name: string, bytes: Uint8Array): void;
}

/**
 * Each read checks the section's dtype and, when given, its length (CORRUPT_MODEL otherwise).
 * `float32` copies into `into` when given (its length is the section's expected length), else
 * into a fresh array.
 */
export interface SectionReader {
  /** Throw CORRUPT_MODEL unless the section is there with this dtype (and length): before sizing memory for it. */
  check(name: string, dtype: Dtype, length?: number): void;
  uint32(name: string, length?: number): Uint32Array;
  float32(name: string, length?: number, into?: Float32Array): Float32Array;
  float64(name: string, length?: number): Float64Array;
  utf8(name: string): Uint8Array;
}

/** A damaged or inconsistent file: CORRUPT_MODEL with the reason. */
export function corrupt(reason: string, cause?: unknown): never {
  throw rtsError('CORRUPT_MODEL', `corrupt text pipeline file: ${reason}`, cause === undefined ? undefined : { cause });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const align8 = (n: number): number => Math.ceil(n / 8) * 8;

function littleEndianBytes(a: Uint32Array | Float32Array | Float64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float64Array) dv.setFloat64(i * size, a[i]!, true);
    else if (a instanceof Float32Array) dv.setFloat32(i * size, a[i]!, true);
    else dv.setUint32(i * size, a[i]!, true);
  }
  return out;
}

/** Collects sections in write order, each at an 8-aligned offset of the data area. */
export class SectionBuilder implements SectionWriter {
  readonly sections: Section[] = [];
  private readonly blobs: Uint8Array[] = [];
  private end = 0;

  /** Bytes of the data area (the last section padded to 8). */
  get dataLength(): number {
    return this.end;
  }

  uint32(name: string, values: Uint32Array): void {
    this.add(name, 'uint32', littleEndianBytes(values), values.length);
  }

  float32(name: string, values: Float32Array): void {
    this.add(name, 'float32', littleEndianBytes(values), values.length);
  }

  float64(name: string, values: Float64Array): void {
    this.add(name, 'float64', littleEndianBytes(values), values.length);
  }

  utf8(name: string, bytes: Uint8Array): void {
    this.add(name, 'utf8', bytes, bytes.byteLength);
  }

  /** Copy every section into `out`, whose data area starts at `dataStart`. */
  writeTo(out: Uint8Array, dataStart: number): void {
    this.sections.forEach((s, i) => out.set(this.blobs[i]!, dataStart + s.offset));
  }

  private add(name: string, dtype: Dtype, bytes: Uint8Array, length: number): void {
    this.sections.push({ name, dtype, offset: this.end, length });
    this.blobs.push(bytes);
    this.end = align8(this.end + bytes.byteLength);
  }
}

/**
 * Where a file's bytes come from: `read(into, position)` fills `into` with the bytes at
 * `position`. In memory (a whole file already read) or from an open file (positioned reads,
 * so no copy of the whole file is ever held: a served model's arrays go straight where they
 * live, e.g. a network's WebAssembly memory).
 */
export interface ByteSource {
  read(into: Uint8Array, position: number): void;
}

/** The bytes of a file already in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    read(into, position) {
      into.set(bytes.subarray(position, position + into.length));
    },
  };
}

/** The sections of a file's data area, checked against it once when built. */
export class SectionSource implements SectionReader {
  private readonly byName = new Map<string, Section>();
  private readonly source: ByteSource;

  /** `bytes`: the whole file in memory, or a `ByteSource` over it. */
  constructor(
    bytes: Uint8Array | ByteSource,
    private readonly dataStart: number,
    dataLength: number,
    table: readonly Section[],
  ) {
    this.source = bytes instanceof Uint8Array ? bytesSource(bytes) : bytes;
    for (const s of table) {
      const size = DTYPE_SIZE[s?.dtype];
      if (size === undefined || typeof s.name !== 'string') corrupt('bad section entry in the header');
      if (!Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset < 0 || s.length < 0 || s.offset % 8 !== 0) {
        corrupt(`section ${s.name} has a bad offset or length`);
      }
      if (s.offset + s.length * size > dataLength) corrupt(`section ${s.name} runs past the end of the data`);
      this.byName.set(s.name, s);
    }
  }

  check(name: string, dtype: Dtype, length?: number): void {
    this.section(name, dtype, length);
  }

  uint32(name: string, length?: number): Uint32Array {
    return this.typed(this.section(name, 'uint32', length), (n) => new Uint32Array(n));
  }

  float32(name: string, length?: number, into?: Float32Array): Float32Array {
    return this.typed(this.section(name, 'float32', into?.length ?? length), (n) => into ?? new Float32Array(n));
  }

  float64(name: string, length?: number): Float64Array {
    return this.typed(this.section(name, 'float64', length), (n) => new Float64Array(n));
  }

  utf8(name: string): Uint8Array {
    const s = this.section(name, 'utf8');
    const out = new Uint8Array(s.length);
    this.source.read(out, this.dataStart + s.offset);
    return out;
  }

  private section(name: string, dtype: Dtype, length?: number): Section {
    const s = this.byName.get(name);
    if (s === undefined) return corrupt(`missing section ${name}`);
    if (s.dtype !== dtype) corrupt(`section ${name} has dtype ${s.dtype}, expected ${dtype}`);
    if (length !== undefined && s.length !== length) corrupt(`inconsistent shapes: section ${name} has ${s.length} values, expected ${length}`);
    return s;
  }

  /** Read the little-endian elements into a typed array of `s.length` values (fresh, or given). */
  private typed<T extends Uint32Array | Float32Array | Float64Array>(s: Section, make: (n: number) => T): T {
    const out = make(s.length);
    const size = out.BYTES_PER_ELEMENT;
    const offset = this.dataStart + s.offset;
    if (LITTLE_ENDIAN) {
      this.source.read(new Uint8Array(out.buffer, out.byteOffset, s.length * size), offset);
      return out;
    }
    const raw = new Uint8Array(s.length * size);
    this.source.read(raw, offset);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < s.length; i++) {
      if (out instanceof Float64Array) out[i] = dv.getFloat64(i * size, true);
      else if (out instanceof Float32Array) out[i] = dv.getFloat32(i * size, true);
      else out[i] = dv.getUint32(i * size, true);
    }
    return out;
  }
}
