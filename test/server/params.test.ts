import { describe, expect, it } from 'vitest';
import { checkImageCount, checkQuestions, parseTopK } from '../../src/server/params.js';

/** The edge's one rule per request parameter (integration: request-limits.test.ts). */
const limits = { maxQuestionChars: 10, maxQuestionsPerRequest: 2, maxImagesPerRequest: 3, maxTopK: 100 };

describe('parseTopK', () => {
  it('absent → the default; "all" → every class; an integer (or decimal string) up to the count', () => {
    expect(parseTopK(undefined, 5, 77, 100)).toBe(5);
    expect(parseTopK(null, 500, 77, 1000)).toBe(77);
    expect(parseTopK('all', 5, 77, 10)).toBe(77);
    expect(parseTopK(3, 5, 77, 100)).toBe(3);
    expect(parseTopK('3', 5, 77, 100)).toBe(3);
    expect(parseTopK(100, 5, 77, 100)).toBe(77);
  });

  it('anything else is a 400 naming the rule', () => {
    for (const bad of [0, -1, 2.5, '2.5', '', 'ALL', Infinity, Number.NaN, true, [3], '9'.repeat(400), 101]) {
      expect(() => parseTopK(bad, 5, 77, 100)).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
  });
});

describe('questions and images', () => {
  it('counts first (413), then each question: a string (400), within the length (413), not blank (400)', () => {
    expect(checkQuestions(['a', 'b'], 'questions', limits)).toEqual(['a', 'b']);
    expect(() => checkQuestions(['a', 'b', 'c'], 'questions', limits)).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => checkQuestions([], 'questions', limits)).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => checkQuestions(['a', 7], 'questions', limits)).toThrow(/questions\[1\] must be a string/);
    expect(() => checkQuestions(['a', 'x'.repeat(11)], 'questions', limits)).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => checkQuestions([' \t'], 'questions', limits)).toThrow(/questions\[0\] must not be empty/);
  });

  it('images: at least one, at most the limit, at most what the model can queue', () => {
    const model = { name: 'm', metadata: { maxQueueSize: 2 } } as never;
    expect(() => checkImageCount(3, limits)).not.toThrow();
    expect(() => checkImageCount(0, limits)).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => checkImageCount(4, limits)).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => checkImageCount(3, limits, model)).toThrow(/queues at most 2 images/);
  });
});
