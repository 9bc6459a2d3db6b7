/**
 * Binary file format of a fitted TextPipeline (version 2), little-endian throughout:
 *
 *   offset  size  field
 *   0       6     magic "RTSTXT"
 *   6       2     uint16 format version (2; version 1 files, logistic only, still load)
 *   8       8     uint64 total file length in bytes
 *   16      4     uint32 header length H
 *   20      4     reserved (0)
 *   24      H     header: UTF-8 JSON (options, shapes, section table; no big arrays)
 *   …             zero padding to a multiple of 8 → start of the data area
 *   data    …     sections, each at an 8-aligned offset relative to the data area:
 *                 per feature block b: `terms.b.lengths` (uint32, UTF-16 length of each
 *                 term), `terms.b.text` (the terms concatenated, UTF-8), `idf.b` (float64);
 *                 then the classifier's arrays, all float32: for `logistic`, `coef` (features ×
 *                 classes, feature-major) and `intercept`; for `mlp`, `w1` (features ×
 *                 hidden), `b1`, `w2` (hidden × classes), `b2`, and with neighbours on,
 *                 `memory.vectors` (questions × hidden) and `memory.classStart` (uint32)
 *   end−4   4     uint32 CRC-32 (zlib's) of every byte before it
 *
 * Loading decodes each term list with one UTF-8 decode plus slicing (no per-term JSON),
 * and rejects anything inconsistent with RtsError CORRUPT_MODEL and a reason.
 */
import { readFile } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { writeFileAtomically } from '../core/atomic-write.js';
import { isRtsError, rtsError } from '../core/errors.js';
import type { TextClassifier } from './classifier-base.js';
import { LogisticRegression, type ResolvedLogisticRegressionOptions } from './logistic.js';
import { MlpClassifier, type MlpWeights, type ResolvedMlpOptions } from './mlp.js';
import { TextPipeline, type TextPipelineOptions } from './pipeline.js';
import { type ResolvedTfidfOptions, TfidfVectorizer } from './tfidf.js';

export const PIPELINE_MAGIC = 'RTSTXT';
export const PIPELINE_FORMAT_VERSION = 2;
/** Oldest version this build reads (version 1 = before the MLP; its classifier is logistic). */
const OLDEST_READABLE_VERSION = 1;
const PREAMBLE = 24;
const FORMAT_NAME = 'rtscore-text-pipeline';

type Dtype = 'uint32' | 'float32' | 'float64' | 'utf8';
const DTYPE_SIZE: Record<Dtype, number> = { uint32: 4, float32: 4, float64: 8, utf8: 1 };

interface Section {
  name: string;
  dtype: Dtype;
  /** Byte offset relative to the data area. */
  offset: number;
  /** Number of elements (bytes for utf8). */
  length: number;
}

interface Header {
  format: typeof FORMAT_NAME;
  options: TextPipelineOptions;
  features: Array<{ options: ResolvedTfidfOptions; weight: number; nTerms: number }>;
  classifier: {
    /** Absent in version 1 files: logistic. */
    type?: TextClassifier['type'];
    options: ResolvedLogisticRegressionOptions | ResolvedMlpOptions;
    nFeatures: number;
    nClasses: number;
    converged: boolean;
    nIter: number;
  };
  sections: Section[];
}

const MLP_SECTIONS = ['w1', 'b1', 'w2', 'b2'] as const satisfies readonly (keyof MlpWeights)[];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------- CRC-32

let crcTable: Uint32Array | null = null;

/** CRC-32 as zlib computes it: node:zlib's `crc32` (Node ≥ 20.15), else `crc32Portable`. */
export function crc32(bytes: Uint8Array): number {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  return typeof native === 'function' ? native(bytes) >>> 0 : crc32Portable(bytes);
}

/** Table-driven CRC-32 (reflected polynomial 0xEDB88320), for Node versions without zlib.crc32. */
export function crc32Portable(bytes: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------- writing

function typedBytes(a: Uint32Array | Float32Array | Float64Array): Uint8Array {
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

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function serializePipeline(p: TextPipeline): Uint8Array {
  if (!p.fitted) throw rtsError('INVALID_INPUT', 'cannot serialise a pipeline that is not fitted');
  const sections: Section[] = [];
  const blobs: Uint8Array[] = [];
  let dataLength = 0;
  const add = (name: string, dtype: Dtype, bytes: Uint8Array, length: number): void => {
    sections.push({ name, dtype, offset: dataLength, length });
    blobs.push(bytes);
    dataLength = align8(dataLength + bytes.byteLength);
  };
  const encoder = new TextEncoder();
  p.vectorizers.forEach((v, b) => {
    const terms = v.getFeatureNames();
    add(`terms.${b}.lengths`, 'uint32', typedBytes(Uint32Array.from(terms, (t) => t.length)), terms.length);
    const text = encoder.encode(terms.join(''));
    add(`terms.${b}.text`, 'utf8', text, text.byteLength);
    add(`idf.${b}`, 'float64', typedBytes(v.idf), v.idf.length);
  });
  const c = p.classifier;
  const float32 = (name: string, a: Float32Array): void => add(name, 'float32', typedBytes(a), a.length);
  if (c instanceof LogisticRegression) {
    float32('coef', c.coef);
    float32('intercept', c.intercept);
  } else if (c instanceof MlpClassifier) {
    for (const name of MLP_SECTIONS) float32(name, c.weights[name]);
    if (c.memory) {
      float32('memory.vectors', c.memory.vectors);
      add('memory.classStart', 'uint32', typedBytes(Uint32Array.from(c.memory.classStart)), c.memory.classStart.length);
    }
  } else {
    throw rtsError('INVALID_INPUT', `cannot serialise a ${c.type} classifier`);
  }

  const header: Header = {
    format: FORMAT_NAME,
    options: p.options,
    features: p.vectorizers.map((v, b) => ({ options: v.options, weight: p.weights[b]!, nTerms: v.nFeatures })),
    classifier: {
      type: c.type, options: (c as LogisticRegression | MlpClassifier).options,
      nFeatures: c.nFeatures, nClasses: c.nClasses, converged: c.converged, nIter: c.nIter,
    },
    sections,
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const dataStart = align8(PREAMBLE + headerBytes.byteLength);
  const total = dataStart + dataLength + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(encoder.encode(PIPELINE_MAGIC), 0);
  dv.setUint16(6, PIPELINE_FORMAT_VERSION, true);
  dv.setBigUint64(8, BigInt(total), true);
  dv.setUint32(16, headerBytes.byteLength, true);
  out.set(headerBytes, PREAMBLE);
  sections.forEach((s, i) => out.set(blobs[i]!, dataStart + s.offset));
  dv.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true);
  return out;
}

// ---------------------------------------------------------------- reading

function corrupt(reason: string, cause?: unknown): never {
  throw rtsError('CORRUPT_MODEL', `corrupt text pipeline file: ${reason}`, cause === undefined ? undefined : { cause });
}

/** Copy `length` little-endian elements starting at `offset` into a fresh, aligned typed array. */
function readTyped<T extends Uint32Array | Float32Array | Float64Array>(
  bytes: Uint8Array,
  offset: number,
  length: number,
  make: (n: number) => T,
): T {
  const out = make(length);
  const size = out.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + length * size));
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, length * size);
  for (let i = 0; i < length; i++) {
    if (out instanceof Float64Array) out[i] = dv.getFloat64(i * size, true);
    else if (out instanceof Float32Array) out[i] = dv.getFloat32(i * size, true);
    else out[i] = dv.getUint32(i * size, true);
  }
  return out;
}

export function deserializePipeline(bytes: Uint8Array): TextPipeline {
  if (!(bytes instanceof Uint8Array)) corrupt('input is not bytes');
  const magic = new TextDecoder().decode(bytes.subarray(0, 6));
  if (magic !== PIPELINE_MAGIC) corrupt(`bad magic bytes (not an rtscore text pipeline, expected "${PIPELINE_MAGIC}")`);
  if (bytes.byteLength < PREAMBLE + 4) corrupt(`truncated: ${bytes.byteLength} bytes is shorter than the fixed preamble`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(6, true);
  if (version < OLDEST_READABLE_VERSION || version > PIPELINE_FORMAT_VERSION) {
    corrupt(`unsupported format version ${version} (this build reads versions ${OLDEST_READABLE_VERSION} to ${PIPELINE_FORMAT_VERSION})`);
  }
  const total = Number(dv.getBigUint64(8, true));
  if (bytes.byteLength < total) corrupt(`truncated: ${bytes.byteLength} bytes, the file says ${total}`);
  if (bytes.byteLength > total) corrupt(`${bytes.byteLength - total} unexpected bytes after the end of the model`);
  const stored = dv.getUint32(total - 4, true);
  const actual = crc32(bytes.subarray(0, total - 4));
  if (stored !== actual) corrupt(`checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);

  const headerLength = dv.getUint32(16, true);
  const dataStart = align8(PREAMBLE + headerLength);
  if (dataStart > total - 4) corrupt('header length runs past the end of the file');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength))) as Header;
  } catch (err) {
    return corrupt('header is not valid UTF-8 JSON', err);
  }
  if (header === null || typeof header !== 'object' || header.format !== FORMAT_NAME) corrupt('header does not describe a text pipeline');
  if (!Array.isArray(header.sections) || !Array.isArray(header.features) || typeof header.classifier !== 'object' || header.classifier === null) {
    corrupt('header lacks sections, features or classifier');
  }

  const dataLength = total - 4 - dataStart;
  const byName = new Map<string, Section>();
  for (const s of header.sections) {
    const size = DTYPE_SIZE[s?.dtype];
    if (size === undefined || typeof s.name !== 'string') corrupt('bad section entry in the header');
    if (!Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset < 0 || s.length < 0 || s.offset % 8 !== 0) {
      corrupt(`section ${s.name} has a bad offset or length`);
    }
    if (s.offset + s.length * size > dataLength) corrupt(`section ${s.name} runs past the end of the data`);
    byName.set(s.name, s);
  }
  const section = (name: string, dtype: Dtype, length?: number): Section => {
    const s = byName.get(name);
    if (s === undefined) return corrupt(`missing section ${name}`);
    if (s.dtype !== dtype) corrupt(`section ${name} has dtype ${s.dtype}, expected ${dtype}`);
    if (length !== undefined && s.length !== length) corrupt(`inconsistent shapes: section ${name} has ${s.length} values, expected ${length}`);
    return s;
  };

  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const vectorizers = header.features.map((f, b) => {
      if (!Number.isSafeInteger(f?.nTerms) || f.nTerms < 0) corrupt(`feature block ${b} has a bad term count`);
      if (typeof f.options !== 'object' || f.options === null) corrupt(`feature block ${b} has no options`);
      const lensSec = section(`terms.${b}.lengths`, 'uint32', f.nTerms);
      const textSec = section(`terms.${b}.text`, 'utf8');
      const idfSec = section(`idf.${b}`, 'float64', f.nTerms);
      const lengths = readTyped(bytes, dataStart + lensSec.offset, lensSec.length, (n) => new Uint32Array(n));
      let text: string;
      try {
        text = decoder.decode(bytes.subarray(dataStart + textSec.offset, dataStart + textSec.offset + textSec.length));
      } catch (err) {
        return corrupt(`terms of feature block ${b} are not valid UTF-8`, err);
      }
      const terms = new Array<string>(f.nTerms);
      let pos = 0;
      for (let j = 0; j < f.nTerms; j++) {
        const len = lengths[j]!;
        if (pos + len > text.length) corrupt(`inconsistent shapes: term lengths of feature block ${b} exceed its text`);
        terms[j] = text.slice(pos, pos + len);
        pos += len;
      }
      if (pos !== text.length) corrupt(`inconsistent shapes: term lengths of feature block ${b} do not cover its text`);
      const idf = readTyped(bytes, dataStart + idfSec.offset, idfSec.length, (n) => new Float64Array(n));
      return TfidfVectorizer.fromFitted(f.options, terms, idf);
    });
    const c = header.classifier;
    if (typeof c.options !== 'object' || c.options === null) corrupt('classifier has no options');
    const nFeatures = vectorizers.reduce((s, v) => s + v.nFeatures, 0);
    if (c.nFeatures !== nFeatures) corrupt(`inconsistent shapes: classifier has ${c.nFeatures} features, vectorizers ${nFeatures}`);
    if (!Number.isSafeInteger(c.nClasses) || c.nClasses < 2) corrupt(`bad number of classes ${String(c.nClasses)}`);
    const float32 = (name: string, length: number): Float32Array => {
      const sec = section(name, 'float32', length);
      return readTyped(bytes, dataStart + sec.offset, sec.length, (n) => new Float32Array(n));
    };
    let classifier: TextClassifier;
    const type = c.type ?? 'logistic';
    if (type === 'logistic') {
      const coef = float32('coef', nFeatures * c.nClasses);
      const intercept = float32('intercept', c.nClasses);
      classifier = LogisticRegression.fromWeights(c.options as ResolvedLogisticRegressionOptions, nFeatures, c.nClasses, coef, intercept, {
        converged: c.converged,
        nIter: c.nIter,
      });
    } else if (type === 'mlp') {
      const H = (c.options as ResolvedMlpOptions).hiddenSize;
      if (!Number.isSafeInteger(H) || H < 1) corrupt(`bad hidden layer size ${String(H)}`);
      const weights: MlpWeights = {
        w1: float32('w1', nFeatures * H),
        b1: float32('b1', H),
        w2: float32('w2', H * c.nClasses),
        b2: float32('b2', c.nClasses),
      };
      let memory: { vectors: Float32Array; classStart: Int32Array } | undefined;
      if ((c.options as ResolvedMlpOptions).neighbours) {
        const startSec = section('memory.classStart', 'uint32', c.nClasses + 1);
        const classStart = Int32Array.from(readTyped(bytes, dataStart + startSec.offset, startSec.length, (n) => new Uint32Array(n)));
        memory = { vectors: float32('memory.vectors', classStart[c.nClasses]! * H), classStart };
      }
      classifier = MlpClassifier.fromWeights(withStoredDefaults(c.options as ResolvedMlpOptions), nFeatures, c.nClasses, weights, {
        nIter: c.nIter,
        ...(memory ? { memory } : {}),
      });
    } else {
      return corrupt(`unknown classifier type ${JSON.stringify(type)}`);
    }
    if (!Array.isArray(header.options?.features) || header.options.features.length !== vectorizers.length) {
      corrupt('inconsistent shapes: pipeline options and feature blocks differ in number');
    }
    return new TextPipeline(header.options, { vectorizers, classifier });
  } catch (err) {
    if (isRtsError(err) && err.code === rtsError('CORRUPT_MODEL', '').code) throw err;
    return corrupt(err instanceof Error ? err.message : String(err), err);
  }
}

/** Write atomically: a temporary file in the same folder, then rename over `path`. */
export async function savePipeline(path: string, p: TextPipeline): Promise<void> {
  await writeFileAtomically(path, serializePipeline(p));
}

export async function loadPipeline(path: string): Promise<TextPipeline> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw rtsError('MODEL_LOAD_FAILED', `cannot read text pipeline ${path}: ${(err as Error).message}`, { cause: err });
  }
  return deserializePipeline(bytes);
}

/**
 * Options added after a file could have been written take the value that reproduces how
 * that file's model scored: `neighbours.confidence` (absent = 0, the unscaled vote).
 */
function withStoredDefaults(options: ResolvedMlpOptions): ResolvedMlpOptions {
  const n = options.neighbours;
  if (n === null || (n as Partial<typeof n>).confidence !== undefined) return options;
  return { ...options, neighbours: { ...n, confidence: 0 } };
}
