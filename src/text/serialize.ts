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
 *   data    …     sections, each at an 8-aligned offset relative to the data area: every
 *                 feature block's, then the classifier's (sections.ts; each estimator writes
 *                 and reads its own in `toSections` / `fromSections`: TfidfVectorizer,
 *                 LogisticRegression, MlpClassifier)
 *   end−4   4     uint32 CRC-32 (zlib's) of every byte before it
 *
 * This module only frames them: preamble, header, alignment, versions and checksum. Loading
 * rejects anything inconsistent with RtsError CORRUPT_MODEL and a reason.
 */
import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { writeFileAtomically } from '../core/atomic-write.js';
import { isRtsError, rtsError } from '../core/errors.js';
import { type PipelineState, TextPipeline } from './pipeline.js';
import { align8, type ByteSource, bytesSource, corrupt, type Section, SectionBuilder, SectionSource } from './sections.js';

export const PIPELINE_MAGIC = 'RTSTXT';
export const PIPELINE_FORMAT_VERSION = 2;
/** Oldest version this build reads (version 1 = before the MLP; its classifier is logistic). */
const OLDEST_READABLE_VERSION = 1;
const PREAMBLE = 24;
const FORMAT_NAME = 'rtscore-text-pipeline';

/** The JSON header: the pipeline's state and the section table. */
type Header = { format: typeof FORMAT_NAME } & PipelineState & { sections: Section[] };

// ---------------------------------------------------------------- CRC-32

let crcTable: Uint32Array | null = null;

/**
 * CRC-32 as zlib computes it: node:zlib's `crc32` (Node ≥ 20.15), else `crc32Portable`.
 * `previous`: the CRC of the bytes before these, to checksum a file in parts.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return typeof native === 'function' ? native(bytes, previous) >>> 0 : crc32Portable(bytes, previous);
}

/** Table-driven CRC-32 (reflected polynomial 0xEDB88320), for Node versions without zlib.crc32. */
export function crc32Portable(bytes: Uint8Array, previous = 0): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------- writing

export function serializePipeline(p: TextPipeline): Uint8Array {
  const data = new SectionBuilder();
  const state = p.toSections(data);
  const header: Header = { format: FORMAT_NAME, ...state, sections: data.sections };
  const encoder = new TextEncoder();
  const headerBytes = encoder.encode(JSON.stringify(header));
  const dataStart = align8(PREAMBLE + headerBytes.byteLength);
  const total = dataStart + data.dataLength + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(encoder.encode(PIPELINE_MAGIC), 0);
  dv.setUint16(6, PIPELINE_FORMAT_VERSION, true);
  dv.setBigUint64(8, BigInt(total), true);
  dv.setUint32(16, headerBytes.byteLength, true);
  out.set(headerBytes, PREAMBLE);
  data.writeTo(out, dataStart);
  dv.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true);
  return out;
}

// ---------------------------------------------------------------- reading

export function deserializePipeline(bytes: Uint8Array): TextPipeline {
  if (!(bytes instanceof Uint8Array)) corrupt('input is not bytes');
  const total = checkPreamble(bytes.subarray(0, PREAMBLE), bytes.byteLength);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkCrc(dv.getUint32(total - 4, true), crc32(bytes.subarray(0, total - 4)));
  return pipelineFrom(bytesSource(bytes), bytes.subarray(0, PREAMBLE), total);
}

/** Magic, version and length of a file of `size` bytes whose first bytes are `preamble`; returns the length. */
function checkPreamble(preamble: Uint8Array, size: number): number {
  const magic = new TextDecoder().decode(preamble.subarray(0, 6));
  if (magic !== PIPELINE_MAGIC) corrupt(`bad magic bytes (not an rtscore text pipeline, expected "${PIPELINE_MAGIC}")`);
  if (size < PREAMBLE + 4 || preamble.byteLength < PREAMBLE) corrupt(`truncated: ${size} bytes is shorter than the fixed preamble`);
  const dv = new DataView(preamble.buffer, preamble.byteOffset, PREAMBLE);
  const version = dv.getUint16(6, true);
  if (version < OLDEST_READABLE_VERSION || version > PIPELINE_FORMAT_VERSION) {
    corrupt(`unsupported format version ${version} (this build reads versions ${OLDEST_READABLE_VERSION} to ${PIPELINE_FORMAT_VERSION})`);
  }
  const total = Number(dv.getBigUint64(8, true));
  if (size < total) corrupt(`truncated: ${size} bytes, the file says ${total}`);
  if (size > total) corrupt(`${size - total} unexpected bytes after the end of the model`);
  return total;
}

function checkCrc(stored: number, actual: number): void {
  if (stored !== actual) corrupt(`checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
}

/** The pipeline of a checked file: header, then every estimator's sections, read from `source`. */
function pipelineFrom(source: ByteSource, preamble: Uint8Array, total: number): TextPipeline {
  const headerLength = new DataView(preamble.buffer, preamble.byteOffset, PREAMBLE).getUint32(16, true);
  const dataStart = align8(PREAMBLE + headerLength);
  if (dataStart > total - 4) corrupt('header length runs past the end of the file');
  let header: Header;
  try {
    const headerBytes = new Uint8Array(headerLength);
    source.read(headerBytes, PREAMBLE);
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes)) as Header;
  } catch (err) {
    return corrupt('header is not valid UTF-8 JSON', err);
  }
  if (header === null || typeof header !== 'object' || header.format !== FORMAT_NAME) corrupt('header does not describe a text pipeline');
  if (!Array.isArray(header.sections) || !Array.isArray(header.features) || typeof header.classifier !== 'object' || header.classifier === null) {
    corrupt('header lacks sections, features or classifier');
  }
  const sections = new SectionSource(source, dataStart, total - 4 - dataStart, header.sections);
  try {
    return TextPipeline.fromSections(header, sections);
  } catch (err) {
    if (isRtsError(err) && err.code === rtsError('CORRUPT_MODEL', '').code) throw err;
    return corrupt(err instanceof Error ? err.message : String(err), err);
  }
}

/** Write atomically: a temporary file in the same folder, then rename over `path`. */
export async function savePipeline(path: string, p: TextPipeline): Promise<void> {
  await writeFileAtomically(path, serializePipeline(p));
}

/** Bytes checksummed at a time while loading a file. */
const CRC_CHUNK = 1 << 20;

/**
 * Load a pipeline file without ever holding the whole file: its checksum is computed over
 * 1 MiB reads, then each section is read into the array that keeps it (for the banking77
 * network, straight into its WebAssembly memory). Reading it whole (71 MB there) left that
 * buffer for the garbage collector, which a quiet server may not run for a long time: the
 * served process stayed ≈ 70 MB larger after warm-up.
 */
export async function loadPipeline(path: string): Promise<TextPipeline> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw rtsError('MODEL_LOAD_FAILED', `cannot read text pipeline ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const fd = file.fd;
    const source: ByteSource = {
      read(into, position) {
        for (let done = 0; done < into.length; ) {
          const n = readSync(fd, into, done, into.length - done, position + done);
          if (n === 0) corrupt(`truncated: no bytes at offset ${position + done}`);
          done += n;
        }
      },
    };
    const size = (await file.stat()).size;
    const preamble = new Uint8Array(Math.min(PREAMBLE, size));
    source.read(preamble, 0);
    const total = checkPreamble(preamble, size);
    const chunk = new Uint8Array(Math.min(CRC_CHUNK, total - 4));
    let crc = 0;
    for (let at = 0; at < total - 4; at += chunk.length) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - 4 - at));
      source.read(part, at);
      crc = crc32(part, crc);
    }
    const stored = new Uint8Array(4);
    source.read(stored, total - 4);
    checkCrc(new DataView(stored.buffer).getUint32(0, true), crc);
    return pipelineFrom(source, preamble, total);
  } catch (err) {
    if (isRtsError(err)) throw err;
    throw rtsError('MODEL_LOAD_FAILED', `cannot read text pipeline ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await file.close();
  }
}
