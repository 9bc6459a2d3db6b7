import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { rtsError } from '../../../core/errors.js';

/** A row that could not be used, reported with its file and 1-based line number. */
export interface RowProblem {
  file: string;
  line: number;
  reason: string;
}

export function formatProblem(p: RowProblem): string {
  return `${p.file}:${p.line}: ${p.reason}`;
}

/** One decoded line, or why it could not be decoded. */
export type DecodedLine = { line: number; text: string } | { line: number; error: string };

/** Read a file, gunzipping it when its name ends in `.gz` (or it starts with the gzip magic). */
export async function readMaybeGzip(path: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw rtsError('INVALID_INPUT', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (path.endsWith('.gz') || (raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b)) {
    try {
      return gunzipSync(raw);
    } catch (err) {
      throw rtsError('INVALID_INPUT', `${path} is not a valid gzip file: ${(err as Error).message}`, { cause: err });
    }
  }
  return raw;
}

/**
 * Split bytes into lines (LF or CRLF) and decode each as strict UTF-8, so one badly
 * encoded line is reported on its own instead of corrupting or aborting the file.
 * A final empty line (trailing newline) is not reported.
 */
export function decodeLines(bytes: Uint8Array): DecodedLine[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: DecodedLine[] = [];
  let start = 0;
  let line = 1;
  // Skip a UTF-8 byte-order mark.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    let stop = end;
    if (stop > start && bytes[stop - 1] === 0x0d) stop--;
    try {
      out.push({ line, text: decoder.decode(bytes.subarray(start, stop)) });
    } catch {
      out.push({ line, error: 'invalid UTF-8' });
    }
    start = end + 1;
    line++;
  }
  return out;
}
