import { describe, expect, it } from 'vitest';
import { bfloat16ToNumber, halfToNumber } from '../../../src/core/datatypes.js';
import type { Datatype, NumericArray } from '../../../src/core/tensor.js';
import { decodeBinaryTensor, encodeBinaryTensor, parseHeaderLength, splitBody } from '../../../src/server/oip/binary.js';
import { error400 as message } from './expect-400.js';

const where = 'input "x"';

/** BYTES elements as the extension frames them: 4-byte LE length + bytes. */
function frameBytes(elements: string[]): Buffer {
  return Buffer.concat(
    elements.flatMap((e) => {
      const bytes = Buffer.from(e, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }),
  );
}

describe('binary tensor data', () => {
  it('decodes little-endian data of every fixed-size type, from unaligned offsets', () => {
    const cases: [Datatype, NumericArray][] = [
      ['BOOL', new Uint8Array([1, 0, 1])],
      ['UINT8', new Uint8Array([0, 200, 255])],
      ['INT8', new Int8Array([-128, 0, 127])],
      ['UINT16', new Uint16Array([1, 65535, 300])],
      ['INT16', new Int16Array([-2, 2, 32767])],
      ['FP16', new Uint16Array([0x3c00, 0xc000, 0x7bff])],
      ['BF16', new Uint16Array([0x3f80, 0x4000, 0xbf80])],
      ['UINT32', new Uint32Array([1, 4294967295, 7])],
      ['INT32', new Int32Array([-1, 2147483647, 0])],
      ['FP32', new Float32Array([1.5, -0.25, 3.4e38])],
      ['UINT64', new BigUint64Array([1n, 18446744073709551615n, 0n])],
      ['INT64', new BigInt64Array([-9223372036854775808n, 5n, 9223372036854775807n])],
      ['FP64', new Float64Array([Math.PI, -1e-300, 0])],
    ];
    for (const [datatype, data] of cases) {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      // Prefix one byte so the tensor starts at an odd offset, as it does after a JSON header.
      const body = Buffer.concat([Buffer.from([9]), bytes]).subarray(1);
      const out = decodeBinaryTensor(datatype, [3], 3, body, where);
      expect(out.constructor, datatype).toBe(data.constructor);
      expect(Array.from(out as Iterable<number | bigint>), datatype).toEqual(Array.from(data as Iterable<number | bigint>));
      expect((out as NumericArray).byteOffset % data.BYTES_PER_ELEMENT).toBe(0);
      expect(encodeBinaryTensor({ datatype, data: out }).equals(bytes), datatype).toBe(true);
    }
    // Explicit little-endian bytes, independent of the host.
    expect(Array.from(decodeBinaryTensor('INT32', [2], 2, Buffer.from([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]), where) as Int32Array)).toEqual([1, -2]);
  });

  it('requires exactly elements × size bytes', () => {
    expect(message(() => decodeBinaryTensor('FP32', [2, 3], 6, Buffer.alloc(20), where))).toBe(
      'input "x": FP32 shape [2,3] needs 24 bytes of binary data (6 × 4), got 20',
    );
    expect(message(() => decodeBinaryTensor('INT64', [1], 1, Buffer.alloc(9), where))).toMatch(/needs 8 bytes/);
  });

  it('refuses BOOL bytes other than 0 and 1', () => {
    expect(message(() => decodeBinaryTensor('BOOL', [2], 2, Buffer.from([1, 2]), where))).toMatch(/BOOL element 1 is byte 2/);
  });

  it('decodes length-prefixed BYTES elements and checks their framing', () => {
    const framed = frameBytes(['a', '', 'héllo']);
    const out = decodeBinaryTensor('BYTES', [3], 3, framed, where) as Uint8Array[];
    expect(out.map((e) => Buffer.from(e).toString('utf8'))).toEqual(['a', '', 'héllo']);
    expect(encodeBinaryTensor({ datatype: 'BYTES', data: out }).equals(framed)).toBe(true);
    expect(message(() => decodeBinaryTensor('BYTES', [4], 4, framed, where))).toMatch(/needs 4 length-prefixed elements, but the binary data ends after 3/);
    expect(message(() => decodeBinaryTensor('BYTES', [2], 2, framed, where))).toMatch(/bytes left over after its 2 BYTES elements/);
    const lying = Buffer.from(framed);
    lying.writeUInt32LE(1000, 0);
    expect(message(() => decodeBinaryTensor('BYTES', [3], 3, lying, where))).toMatch(/element 0 claims 1000 bytes/);
    expect(message(() => decodeBinaryTensor('BYTES', [1], 1, Buffer.from([1, 0]), where))).toMatch(/ends after 0/);
  });

  it('reads Inference-Header-Content-Length strictly', () => {
    expect(parseHeaderLength(undefined, 10)).toBeUndefined();
    expect(parseHeaderLength('4', 10)).toBe(4);
    expect(parseHeaderLength('0', 0)).toBe(0);
    expect(message(() => parseHeaderLength('11', 10))).toMatch(/is 11 but the body has only 10 bytes/);
    for (const bad of ['-1', 'abc', '1.5', '']) expect(() => parseHeaderLength(bad, 10), bad).toThrow(/non-negative integer/);
    const { header, binary } = splitBody(Buffer.from('{"a":1}xyz'), 7);
    expect(header.toString()).toBe('{"a":1}');
    expect(binary.toString()).toBe('xyz');
  });

  it('decodes half and bfloat16 bit patterns', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x7bff)).toBe(65504);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
    expect(halfToNumber(0x7e00)).toBeNaN();
    expect(bfloat16ToNumber(0x3f80)).toBe(1);
    expect(bfloat16ToNumber(0xbf80)).toBe(-1);
    expect(bfloat16ToNumber(0x4049)).toBeCloseTo(3.140625, 6);
  });
});
