import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../../src/tasks/faq/data/csv.js';

describe('parseCsv (RFC 4180)', () => {
  it('parses plain and quoted fields, escaped quotes, commas and line breaks inside quotes', () => {
    const text = 'text,category\r\nplain,a\n"with, comma",b\n"say ""hi""",c\n"two\nlines",d\n';
    const { records, problems } = parseCsv(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => r.fields)).toEqual([
      ['text', 'category'],
      ['plain', 'a'],
      ['with, comma', 'b'],
      ['say "hi"', 'c'],
      ['two\nlines', 'd'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps empty fields, skips blank lines, handles no final newline and a BOM', () => {
    const { records } = parseCsv('\uFEFFa,,c\n\n,x\nlast,"q"');
    expect(records.map((r) => r.fields)).toEqual([
      ['a', '', 'c'],
      ['', 'x'],
      ['last', 'q'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('reports an unterminated quote and text after a closing quote by line, and goes on', () => {
    const { records, problems } = parseCsv('ok,1\n"bad"x,2\nfine,3\n"open,4\nmore');
    expect(problems).toEqual([
      { line: 2, reason: 'unexpected text after a closing quote' },
      { line: 4, reason: 'unterminated quoted field' },
    ]);
    expect(records.map((r) => r.fields)).toEqual([
      ['ok', '1'],
      ['fine', '3'],
    ]);
  });
});
