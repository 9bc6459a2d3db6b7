import { type FileHandle, open } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import protobuf from 'protobufjs';

const { onnx } = onnxProto;

/** `ModelProto.metadata_props` (field 14): the exporter's key/value facts. */
const METADATA_PROPS = 14;
const LENGTH_DELIMITED = 2;
/** Enough bytes for any tag and length prefix (two varints of at most 10 bytes). */
const PREFIX_BYTES = 20;

/**
 * The custom metadata of an ONNX model file (`metadata_props`: e.g. rtscore's
 * generated ResNets say `weights: random`), which ONNX Runtime's JavaScript API
 * does not expose. Only the top-level fields' prefixes are read: the graph
 * (hundreds of MB for ResNet-152) is skipped, not read or decoded. A file that
 * is not a well-formed ModelProto yields what was read before the damage
 * (ONNX Runtime itself reports broken files).
 */
export async function readOnnxMetadataProps(path: string): Promise<Record<string, string>> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const props: Record<string, string> = {};
    let at = 0;
    while (at < size) {
      const prefix = await readAt(file, at, Math.min(PREFIX_BYTES, size - at));
      const reader = protobuf.Reader.create(prefix);
      let tag: number;
      let length = 0;
      try {
        tag = reader.uint32();
        if ((tag & 7) === LENGTH_DELIMITED) length = reader.uint32();
        else reader.skipType(tag & 7);
      } catch {
        break;
      }
      const bodyAt = at + reader.pos;
      if ((tag & 7) === LENGTH_DELIMITED && tag >>> 3 === METADATA_PROPS && bodyAt + length <= size) {
        const entry = onnx.StringStringEntryProto.decode(await readAt(file, bodyAt, length));
        if (entry.key) props[entry.key] = entry.value;
      }
      at = bodyAt + length;
    }
    return props;
  } finally {
    await file.close();
  }
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
