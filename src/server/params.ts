import { rtsError } from '../core/errors.js';

/**
 * Request parameters that several routes accept, each checked here with one
 * rule, at the edge, before a model is involved.
 */

/** A question must be a non-blank string within the length limit. */
export function checkQuestion(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string') throw rtsError('INVALID_INPUT', `${field} must be a string`);
  if (value.trim().length === 0) throw rtsError('INVALID_INPUT', `${field} must not be empty`);
  if (value.length > maxChars) throw rtsError('PAYLOAD_TOO_LARGE', `${field} is ${value.length} characters; the limit is ${maxChars}`);
  return value;
}
