import type { z } from 'zod';
import { type ErrorKind, rtsError } from './errors.js';

export type Issue = z.core.$ZodIssue;

/** One zod issue as `path: message` (`(root)` when the value itself is wrong). */
export function describeIssue(issue: Issue): string {
  return `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`;
}

/**
 * `schema.parse(value)` for everything rtscore reads (settings, config.json, options, data
 * files), except that a failure is an RtsError of `kind`: `<context>: <issue>; <issue>…`.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  kind: ErrorKind,
  context: string,
  describe: (issue: Issue) => string = describeIssue,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw rtsError(kind, `${context}: ${parsed.error.issues.map(describe).join('; ')}`);
}
