import { describe, expect, it } from 'vitest';
import { renderTable } from '../../bench/table.js';
import { classifyCheck, faqMatchCheck, scoreFaqCheck, top1Index } from '../../src/speedtest/checks.js';
import { percentile, percentileSorted, summarize } from '../../src/speedtest/stats.js';

describe('bench statistics', () => {
  it('interpolates percentiles linearly between ranks (numpy "linear")', () => {
    const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]; // 1…10, shuffled
    // numpy.percentile(range(1, 11), [0, 50, 90, 99, 100]) = [1, 5.5, 9.1, 9.91, 10]
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 50)).toBeCloseTo(5.5, 12);
    expect(percentile(values, 90)).toBeCloseTo(9.1, 12);
    expect(percentile(values, 99)).toBeCloseTo(9.91, 12);
    expect(percentile(values, 100)).toBe(10);
    expect(percentileSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(() => percentileSorted([1], 101)).toThrow(RangeError);
  });

  it('summarises a latency list', () => {
    const s = summarize([4, 1, 3, 2]);
    expect(s).toEqual({ count: 4, mean: 2.5, min: 1, p50: 2.5, p90: 3.7, p99: expect.closeTo(3.97, 12), max: 4 });
    expect(summarize([]).count).toBe(0);
    expect(summarize([]).p50).toBeNaN();
  });
});

describe('bench table', () => {
  it('aligns columns and escapes pipes', () => {
    const text = renderTable(
      ['run', 'req/s'],
      [
        ['a|b', '12.5'],
        ['longer name', '7'],
      ],
    );
    expect(text.split('\n')).toEqual(['| run         | req/s |', '|:------------|------:|', '| a\\|b        |  12.5 |', '| longer name |     7 |']);
    expect(() => renderTable(['a', 'b'], [['1']])).toThrow(/row 0/);
  });
});

describe('bench well-formedness checks', () => {
  const score = (entries: unknown[], computed = 'Computed in 1.23 ms') => JSON.stringify({ result: [entries, computed] });

  it('accepts a full, sorted /score answer and rejects anything less', () => {
    const check = scoreFaqCheck(3);
    expect(
      check(
        score([
          [1, 10, 0.7],
          ['b', 'x', 0.2],
          [3, 30, 0.1],
        ]),
      ),
    ).toBeUndefined();
    expect(
      check(
        score([
          [1, 10, 0.7],
          [2, 20, 0.3],
        ]),
      ),
    ).toMatch(/2 entries, expected 3/);
    expect(
      check(
        score([
          [1, 10, 0.1],
          [2, 20, 0.7],
          [3, 30, 0.2],
        ]),
      ),
    ).toMatch(/not sorted/);
    expect(
      check(
        score([
          [1, 10, 1.5],
          [2, 20, 0.3],
          [3, 30, 0.2],
        ]),
      ),
    ).toMatch(/bad probability/);
    expect(
      check(
        score([
          [1, 10],
          [2, 20, 0.3],
          [3, 30, 0.2],
        ]),
      ),
    ).toMatch(/not \[Id, AnswerId, prob\]/);
    expect(
      check(
        score(
          [
            [1, 10, 0.7],
            [2, 20, 0.2],
            [3, 30, 0.1],
          ],
          'done',
        ),
      ),
    ).toMatch(/Computed in/);
    expect(check('{"result": [[], ')).toMatch(/not JSON/);
    expect(check('{"error": {"code": "RTS_ERR_INTERNAL", "message": "x"}}')).toMatch(/no "result"/);
  });

  it('checks /v1/faq/match answers', () => {
    const match = (i: number, score: number) => ({ rank: i + 1, id: `f${i}`, answerId: i, question: 'q', answer: 'a', score });
    const body = (matches: unknown[]) => JSON.stringify({ model: 'faq', version: '1', question: 'x', matches });
    const check = faqMatchCheck(2);
    expect(check(body([match(0, 0.6), match(1, 0.3)]))).toBeUndefined();
    expect(check(body([match(0, 0.6)]))).toMatch(/1 matches, expected 2/);
    expect(check(body([match(0, 0.3), match(1, 0.6)]))).toMatch(/not sorted/);
    expect(check(body([match(0, 0.6), { ...match(1, 0.3), rank: 5 }]))).toMatch(/rank/);
    expect(check(body([match(0, 0.6), { ...match(1, 0.3), answer: undefined }]))).toMatch(/answer text/);
    expect(check(JSON.stringify({ matches: [] }))).toMatch(/model name/);
  });

  it('checks /v1/images/classify answers and pins the top-1 class', () => {
    const p = (index: number, probability: number) => ({ index, wnid: 'n01', label: `class ${index}`, probability });
    const body = (predictions: unknown[]) => JSON.stringify({ model: 'resnet', version: '1', results: [{ predictions }] });
    const good = body([p(7, 0.5), p(3, 0.2)]);
    expect(classifyCheck(2)(good)).toBeUndefined();
    expect(top1Index(good)).toBe(7);
    expect(classifyCheck(2, 7)(good)).toBeUndefined();
    expect(classifyCheck(2, 3)(good)).toMatch(/top-1 class 7, expected 3/);
    expect(classifyCheck(3)(good)).toMatch(/2 predictions, expected 3/);
    expect(classifyCheck(2)(body([p(7, 0.7), p(3, 0.6)]))).toMatch(/sum to/);
    expect(classifyCheck(2)(body([p(7, 0.2), p(3, 0.5)]))).toMatch(/not sorted/);
    expect(classifyCheck(2)(body([p(-1, 0.5), p(3, 0.2)]))).toMatch(/index/);
    expect(classifyCheck(1)(JSON.stringify({ model: 'm', version: '1', results: [] }))).toMatch(/one entry/);
  });
});
