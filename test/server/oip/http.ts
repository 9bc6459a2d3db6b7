import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelKind } from '../../../src/core/model.js';
import { type ConfigInput, loadConfig } from '../../../src/server/config.js';
import { type RunningServer, startServer } from '../../../src/server/serve.js';

/** HTTP helpers for the Open Inference Protocol tests (real server, real sockets). */

export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body parsed as JSON when it is JSON (binary answers: the JSON header part). */
  json: any;
}

export async function call(url: string, init: { method?: string; body?: string | Buffer | object; headers?: Record<string, string> } = {}): Promise<Answer> {
  const isBytes = typeof init.body === 'string' || Buffer.isBuffer(init.body);
  const body = init.body === undefined ? undefined : isBytes ? (init.body as string | Buffer) : JSON.stringify(init.body);
  const headers = { ...(init.body !== undefined && !isBytes ? { 'content-type': 'application/json' } : {}), ...init.headers };
  const res = await fetch(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const headerLength = res.headers.get('inference-header-content-length');
  const jsonPart = headerLength !== null ? bytes.subarray(0, Number(headerLength)) : bytes;
  let json: unknown;
  try {
    json = JSON.parse(jsonPart.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: bytes, json };
}

/** A binary-extension request body: the JSON header, then the blobs. */
export function framed(header: unknown, ...blobs: Buffer[]): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return {
    body: Buffer.concat([json, ...blobs]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.length) },
  };
}

/** BYTES elements in the extension's framing: 4-byte LE length + bytes each. */
export function bytesBlob(...elements: (string | Buffer)[]): Buffer {
  return Buffer.concat(
    elements.flatMap((e) => {
      const bytes = typeof e === 'string' ? Buffer.from(e, 'utf8') : e;
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }),
  );
}

/** The binary outputs of a framed answer, by output name, in output order. */
export function binaryOutputs(answer: Answer): Map<string, Buffer> {
  const headerLength = Number(answer.headers.get('inference-header-content-length'));
  let at = headerLength;
  const out = new Map<string, Buffer>();
  for (const o of answer.json.outputs as { name: string; parameters?: { binary_data_size?: number } }[]) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    out.set(o.name, answer.body.subarray(at, at + size));
    at += size;
  }
  if (at !== answer.body.length) throw new Error(`binary answer has ${answer.body.length - at} stray bytes`);
  return out;
}

export function floats(bytes: Buffer): Float32Array {
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

export interface V2Server extends RunningServer {
  dir: string;
  stop(): Promise<void>;
}

/** Start the real server on an ephemeral port over a fresh model repository. */
export async function startV2Server(kinds: readonly ModelKind[], fill: (dir: string) => Promise<void>, flags: ConfigInput = {}): Promise<V2Server> {
  const dir = await mkdtemp(join(tmpdir(), 'rtscore-v2-'));
  await fill(dir);
  const config = loadConfig({ flags: { port: 0, host: '127.0.0.1', modelsDir: dir, buildMissing: false, logLevel: 'silent', ...flags } });
  const server = await startServer({ config, kinds, version: '9.9.9' });
  await server.loaded;
  return Object.assign(server, {
    dir,
    async stop() {
      await server.shutdown('test');
      await rm(dir, { recursive: true, force: true });
    },
  });
}
