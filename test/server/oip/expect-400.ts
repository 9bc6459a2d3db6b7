import { expect } from 'vitest';
import { RtsError } from '../../../src/core/errors.js';

/** Run `fn`, expect it to throw a 400 RtsError, and return the error's message. */
export function error400(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RtsError);
    expect((err as RtsError).statusCode).toBe(400);
    return (err as RtsError).message;
  }
  throw new Error('expected an error');
}
