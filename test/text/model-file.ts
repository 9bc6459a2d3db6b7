import { crc32 } from '../../src/text/serialize.js';

/** Helpers that damage or rewrite a pipeline file, for the format tests. */

/** Split a file into header JSON and data area, to rebuild it with an edited header. */
export function edit(bytes: Uint8Array, change: (header: any) => void): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hLen = dv.getUint32(16, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + hLen)));
  const data = bytes.subarray(Math.ceil((24 + hLen) / 8) * 8, bytes.length - 4);
  change(header);
  const h = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((24 + h.length) / 8) * 8;
  const out = new Uint8Array(start + data.length + 4);
  out.set(bytes.subarray(0, 24));
  out.set(h, 24);
  out.set(data, start);
  const odv = new DataView(out.buffer);
  odv.setBigUint64(8, BigInt(out.length), true);
  odv.setUint32(16, h.length, true);
  return resign(out);
}

/** Recompute the trailing CRC so that only the intended defect remains. */
export function resign(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}
