import { describe, expect, it } from 'vitest';
import { allocate, arrayNameOf, arrayNameOfValue, bytesPerElement, copyOf, halfToNumber, numberAt, numberToHalf } from '../../src/core/datatypes.js';
import { DATATYPES } from '../../src/core/tensor.js';

describe('the datatype table', () => {
  it('has a typed array of the right width for every fixed-size OIP datatype, and Array for BYTES', () => {
    const widths: Record<string, number> = {
      BOOL: 1,
      UINT8: 1,
      INT8: 1,
      UINT16: 2,
      INT16: 2,
      FP16: 2,
      BF16: 2,
      UINT32: 4,
      INT32: 4,
      FP32: 4,
      UINT64: 8,
      INT64: 8,
      FP64: 8,
    };
    for (const datatype of DATATYPES) {
      if (datatype === 'BYTES') {
        expect(arrayNameOf(datatype)).toBe('Array');
        continue;
      }
      const array = allocate(datatype, 3);
      expect(array.length).toBe(3);
      expect(bytesPerElement(datatype)).toBe(widths[datatype]);
      expect(arrayNameOfValue(array)).toBe(arrayNameOf(datatype));
    }
    expect(arrayNameOf('INT64')).toBe('BigInt64Array');
    expect(arrayNameOfValue(Buffer.from([1]))).toBe('Uint8Array');
  });

  it('copies a view (a Buffer pool slice) into a buffer of its own', () => {
    const pooled = Buffer.from([1, 2, 3, 4]);
    const copy = copyOf('UINT8', pooled);
    expect(Array.from(copy as Uint8Array)).toEqual([1, 2, 3, 4]);
    expect(copy.byteOffset).toBe(0);
    expect(copy.buffer.byteLength).toBe(4);
    const floats = new Float32Array([1.5, -2]);
    expect(Array.from(copyOf('FP32', floats) as Float32Array)).toEqual([1.5, -2]);
  });
});

describe('FP16', () => {
  it('every half bit pattern decodes and encodes back to itself (NaNs to the canonical NaN)', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfToNumber(bits);
      if (Number.isNaN(value)) expect(numberToHalf(value)).toBe(0x7e00);
      else expect(numberToHalf(value)).toBe(bits);
    }
  });

  it('rounds to the nearest half, ties to even, like numpy.float16', () => {
    expect(numberToHalf(0.1)).toBe(0x2e66);
    expect(numberToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(numberToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(numberToHalf(65504)).toBe(0x7bff);
    expect(numberToHalf(65519)).toBe(0x7bff);
    expect(numberToHalf(65520)).toBe(0x7c00); // past the largest half: infinity
    expect(numberToHalf(2 ** -25)).toBe(0); // tie → even (zero)
    expect(numberToHalf(3 * 2 ** -25)).toBe(2); // subnormal tie → even
    expect(numberToHalf(-0)).toBe(0x8000);
    expect(numberToHalf(-Infinity)).toBe(0xfc00);
  });

  it('numberAt reads any numeric datatype as a number', () => {
    expect(numberAt('FP16', new Uint16Array([0x3c00]), 0)).toBe(1);
    expect(numberAt('INT64', new BigInt64Array([-5n]), 0)).toBe(-5);
    expect(numberAt('BF16', new Uint16Array([0x3f80]), 0)).toBe(1);
  });
});
