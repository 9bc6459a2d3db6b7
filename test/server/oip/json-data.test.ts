import { describe, expect, it } from 'vitest';
import type { RtsError } from '../../../src/core/errors.js';
import type { Datatype } from '../../../src/core/tensor.js';
import { decodeBase64, tensorDataFromJson } from '../../../src/server/oip/json-data.js';
import { checkShape, fitShape } from '../../../src/server/oip/shape.js';
import { error400 } from './expect-400.js';

const where = 'input "x"';
const parse = (datatype: Datatype, shape: number[], data: unknown, contentType?: string) =>
  tensorDataFromJson(data, { datatype, shape, count: shape.reduce((a, b) => a * b, 1), where, ...(contentType ? { contentType } : {}) });

describe('tensorDataFromJson', () => {
  it('accepts flat and nested data in row-major order', () => {
    const flat = parse('FP32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const nested = parse(
      'FP32',
      [2, 3],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
    expect(flat).toBeInstanceOf(Float32Array);
    expect(Array.from(flat as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(nested as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    // Partly nested data is still row-major elements (Triton accepts any nesting up to the rank).
    expect(Array.from(parse('INT32', [2, 2], [[1, 2], 3, 4]) as Int32Array)).toEqual([1, 2, 3, 4]);
  });

  it('maps every datatype to the core typed array', () => {
    const cases: [Datatype, unknown[], string][] = [
      ['BOOL', [true, false, 1, 0], 'Uint8Array'],
      ['UINT8', [0, 255], 'Uint8Array'],
      ['UINT16', [0, 65535], 'Uint16Array'],
      ['UINT32', [0, 4294967295], 'Uint32Array'],
      ['UINT64', [0, 5], 'BigUint64Array'],
      ['INT8', [-128, 127], 'Int8Array'],
      ['INT16', [-32768, 32767], 'Int16Array'],
      ['INT32', [-2147483648, 2147483647], 'Int32Array'],
      ['INT64', [-3, 4], 'BigInt64Array'],
      ['FP32', [1.5, -2], 'Float32Array'],
      ['FP64', [1e300, -0.1], 'Float64Array'],
    ];
    for (const [datatype, data, array] of cases) {
      const out = parse(datatype, [data.length], data);
      expect(out.constructor.name, datatype).toBe(array);
      expect(out.length).toBe(data.length);
    }
    expect(Array.from(parse('BOOL', [4], [true, false, 1, 0]) as Uint8Array)).toEqual([1, 0, 1, 0]);
    expect(Array.from(parse('INT64', [2], [-3, 4]) as BigInt64Array)).toEqual([-3n, 4n]);
  });

  it('takes INT64/UINT64 beyond 2^53 exactly from decimal strings', () => {
    const out = parse('INT64', [2], ['9223372036854775807', '-9223372036854775808']) as BigInt64Array;
    expect(out[0]).toBe(9223372036854775807n);
    expect(out[1]).toBe(-9223372036854775808n);
    expect((parse('UINT64', [1], ['18446744073709551615']) as BigUint64Array)[0]).toBe(18446744073709551615n);
    expect(error400(() => parse('UINT64', [1], [-1]))).toMatch(/element 0 must be an integer in \[0, 18446744073709551615\] \(UINT64\), got -1/);
    expect(error400(() => parse('INT64', [1], ['9223372036854775808']))).toMatch(/INT64/);
    expect(error400(() => parse('INT64', [1], [1.5]))).toMatch(/got 1.5/);
  });

  it('refuses elements of the wrong type or out of range, naming the element', () => {
    expect(error400(() => parse('UINT8', [2], [1, 256]))).toBe('input "x": element 1 must be an integer in [0, 255] (UINT8), got 256');
    expect(error400(() => parse('INT8', [1], [-129]))).toMatch(/\[-128, 127\] \(INT8\)/);
    expect(error400(() => parse('INT32', [1], [0.5]))).toMatch(/integer/);
    expect(error400(() => parse('INT32', [1], ['7']))).toMatch(/got "7"/);
    expect(error400(() => parse('FP32', [2], [1, 'a']))).toMatch(/element 1 must be a number \(FP32\)/);
    expect(error400(() => parse('FP32', [1], [1e39]))).toMatch(/FP32 range/);
    expect(error400(() => parse('FP64', [1], [null]))).toMatch(/got null/);
    expect(error400(() => parse('BOOL', [1], [2]))).toMatch(/boolean/);
    expect(error400(() => parse('BYTES', [1], [3]))).toMatch(/a string \(BYTES\)/);
    expect(error400(() => parse('FP32', [1], [{ a: 1 }]))).toMatch(/not objects/);
  });

  it('checks the element count against the shape before allocating', () => {
    expect(error400(() => parse('FP32', [2, 3], [1, 2, 3, 4, 5]))).toBe('input "x": shape [2,3] needs 6 elements, but "data" holds 5');
    expect(error400(() => parse('FP32', [2], [1, 2, 3]))).toBe('input "x": shape [2] needs 2 elements, but "data" holds more');
    expect(error400(() => parse('FP32', [1], 5))).toMatch(/"data" must be an array/);
    // A huge claimed shape with tiny data fails on the count, not on allocation.
    expect(error400(() => tensorDataFromJson([1], { datatype: 'FP64', shape: [1_000_000_000], count: 1_000_000_000, where }))).toMatch(
      /needs 1000000000 elements/,
    );
  });

  it('refuses nesting deeper than the shape, even thousands of levels', () => {
    expect(error400(() => parse('FP32', [2], [[1], [2]]))).toMatch(/nested deeper than shape \[2\] allows \(at most 1 level of arrays\)/);
    const deep = JSON.parse(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`) as unknown;
    expect(error400(() => parse('FP32', [1, 1], deep))).toMatch(/nested deeper/);
  });

  it('takes FP16 as numbers (rounded to the nearest half) and refuses BF16 in JSON', () => {
    expect(Array.from(parse('FP16', [4], [1, -2, 65504, 0.1]) as Uint16Array)).toEqual([0x3c00, 0xc000, 0x7bff, 0x2e66]);
    expect(error400(() => parse('FP16', [1], [70000]))).toMatch(/element 0 must be a number within the FP16 range/);
    expect(error400(() => parse('FP16', [1], ['1']))).toMatch(/element 0 must be a number within the FP16 range/);
    expect(error400(() => parse('BF16', [1], [1]))).toMatch(/BF16/);
  });

  it('turns BYTES strings into UTF-8, or decodes base64 when asked', () => {
    const text = parse('BYTES', [2], ['héllo', '']) as Uint8Array[];
    expect(Buffer.from(text[0]!).toString('utf8')).toBe('héllo');
    expect(text[1]!.length).toBe(0);
    const b64 = parse('BYTES', [1, 1], [['AAEC/w==']], 'base64') as Uint8Array[];
    expect(Array.from(b64[0]!)).toEqual([0, 1, 2, 255]);
    expect(Array.from(parse('BYTES', [1], ['AAEC_w'], 'base64')[0] as Uint8Array)).toEqual([0, 1, 2, 255]);
    expect(error400(() => parse('BYTES', [1], ['not base64!'], 'base64'))).toBe('input "x": element 0 is not valid base64 (content_type "base64")');
    expect(error400(() => parse('BYTES', [1], ['a'], 'hex'))).toMatch(/content_type must be "str" or "base64"/);
  });
});

describe('decodeBase64', () => {
  it('accepts padded, unpadded, URL-safe and data-URL forms and refuses the rest', () => {
    expect(Buffer.from(decodeBase64('aGk=', 'x', 0)).toString()).toBe('hi');
    expect(Buffer.from(decodeBase64('aGk', 'x', 0)).toString()).toBe('hi');
    expect(Buffer.from(decodeBase64('data:image/png;base64,aGk=', 'x', 0)).toString()).toBe('hi');
    expect(decodeBase64('', 'x', 0).length).toBe(0);
    for (const bad of ['a', 'aGk=a', 'a=b=', 'aG k=', 'aGk+_']) expect(() => decodeBase64(bad, 'x', 0), bad).toThrow(/not valid base64/);
  });
});

describe('shapes', () => {
  const limits = { maxElements: 1000, maxRank: 4 };
  it('checks request shapes', () => {
    expect(checkShape([2, 3], 'x', limits)).toEqual({ shape: [2, 3], count: 6 });
    expect(checkShape([], 'x', limits).count).toBe(1);
    expect(checkShape([0, 1e9], 'x', limits).count).toBe(0);
    expect(() => checkShape([2, -1], 'x', limits)).toThrow(/non-negative integers/);
    expect(() => checkShape([1.5], 'x', limits)).toThrow(/non-negative integers/);
    expect(() => checkShape('2', 'x', limits)).toThrow(/must be an array/);
    expect(() => checkShape([1, 1, 1, 1, 1], 'x', limits)).toThrow(/rank 5; at most 4/);
    try {
      checkShape([100, 100], 'x', limits);
      throw new Error('no error');
    } catch (err) {
      expect((err as RtsError).statusCode).toBe(413);
    }
  });

  it('fits shapes to specs, adding or dropping trailing 1s only', () => {
    expect(fitShape([-1], [3])).toEqual([3]);
    expect(fitShape([-1], [3, 1])).toEqual([3]);
    expect(fitShape([-1, 1], [3])).toEqual([3, 1]);
    expect(fitShape([-1, -1], [3])).toEqual([3, 1]);
    expect(fitShape([-1, 3, 2, 2], [1, 3, 2, 2])).toEqual([1, 3, 2, 2]);
    expect(fitShape([-1, 3, 2, 2], [3, 2, 2])).toBeUndefined();
    expect(fitShape([-1], [3, 2])).toBeUndefined();
    expect(fitShape([-1, 4], [2, 5])).toBeUndefined();
    expect(fitShape([-1, 1000], [1000])).toBeUndefined();
  });
});
