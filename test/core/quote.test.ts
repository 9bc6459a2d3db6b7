import { describe, expect, it } from 'vitest';
import { clip, MAX_QUOTED_CHARS, quote } from '../../src/core/quote.js';

describe('quote: request values in error messages, never whole', () => {
  it('quotes short values as JSON', () => {
    expect(quote('abc')).toBe('"abc"');
    expect(quote('say "hi"')).toBe('"say \\"hi\\""');
    expect(quote(5)).toBe('5');
    expect(quote(null)).toBe('null');
    expect(quote(true)).toBe('true');
    expect(quote(undefined)).toBe('undefined');
    expect(quote(10n)).toBe('10');
    expect(quote([1, 'x', { a: 1 }, [2]])).toBe('[1,"x",{…},[…]]');
    expect(quote({ a: 'b' })).toBe('{"a":"b"}');
  });

  it('cuts long strings, arrays, objects and keys at about 100 characters with …', () => {
    const long = quote('a'.repeat(30_000_000));
    expect(long).toBe(`"${'a'.repeat(MAX_QUOTED_CHARS)}…"`);
    for (const value of [
      new Array(1_000_000).fill(7),
      { ['k'.repeat(10_000)]: 1 },
      Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
    ]) {
      const q = quote(value);
      expect(q.length).toBeLessThanOrEqual(MAX_QUOTED_CHARS + 1);
      expect(q.endsWith('…')).toBe(true);
    }
  });

  it('does not walk deep values', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(quote(deep)).toBe('[[…]]');
  });

  it('clip cuts names without quoting', () => {
    expect(clip('image')).toBe('image');
    expect(clip('x'.repeat(500))).toBe(`${'x'.repeat(MAX_QUOTED_CHARS)}…`);
  });
});
