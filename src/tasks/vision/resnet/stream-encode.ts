import type { FileHandle } from 'node:fs/promises';

/**
 * Writes what a protobufjs Writer holds straight to a file, in the order
 * `Writer#finish` would copy it into one buffer. The generated encoder
 * (onnx-proto) still produces every byte; this only skips the single buffer
 * of the whole message: for ResNet-152 that is a second 240 MB copy of the
 * weights. Large byte fields (raw_data) go to the file as they are, small
 * operations are gathered in a reused chunk.
 *
 * protobufjs keeps the encoded message as a linked list of operations
 * `{ fn(val, buf, pos), len, val, next }` starting after `head`; that is the
 * contract `finish` itself relies on.
 */
interface WriterOp {
  fn: (val: unknown, buf: Uint8Array, pos: number) => void;
  len: number;
  val: unknown;
  next?: WriterOp;
}

export interface EncodedWriter {
  len: number;
  head: object;
  finish(): Uint8Array;
}

function isOpList(writer: EncodedWriter): boolean {
  const first = (writer.head as { next?: unknown }).next;
  return (
    first === undefined ||
    (typeof first === 'object' && first !== null && typeof (first as WriterOp).fn === 'function' && typeof (first as WriterOp).len === 'number')
  );
}

/** Write the encoded message to `file`; returns the byte count (= writer.len). */
export async function writeEncoded(writer: EncodedWriter, file: FileHandle, chunkSize = 1 << 20): Promise<number> {
  if (!isOpList(writer)) {
    // Another protobufjs layout: fall back to one buffer.
    const bytes = writer.finish();
    await file.write(bytes);
    return bytes.length;
  }
  const chunk = Buffer.allocUnsafe(chunkSize);
  let used = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (used === 0) return;
    await file.write(chunk, 0, used);
    total += used;
    used = 0;
  };
  for (let op = (writer.head as { next?: WriterOp }).next; op !== undefined; op = op.next) {
    if (op.len === 0) continue;
    if (op.len >= chunkSize >> 2 && op.val instanceof Uint8Array && op.val.length === op.len) {
      await flush();
      await file.write(op.val);
      total += op.len;
      continue;
    }
    if (used + op.len > chunkSize) await flush();
    if (op.len > chunkSize) {
      const big = Buffer.allocUnsafe(op.len);
      op.fn(op.val, big, 0);
      await file.write(big);
      total += op.len;
      continue;
    }
    op.fn(op.val, chunk, used);
    used += op.len;
  }
  await flush();
  if (total !== writer.len) throw new Error(`protobuf stream wrote ${total} bytes, expected ${writer.len}`);
  return total;
}
