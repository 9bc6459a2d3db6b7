/**
 * Estimator options, declared once as a zod schema per estimator (as scikit-learn declares
 * `_parameter_constraints`): the schema checks every option and fills in its default, and the
 * result is what a fitted model stores. The pieces below are the constraints they share.
 */
import { z } from 'zod';
import { parseOrThrow } from '../core/parse.js';

const mustBe = (what: string) => (issue: { input?: unknown }) => `must be ${what}, got ${JSON.stringify(issue.input) ?? String(issue.input)}`;

/** A number that passes `test`, else "must be <what>, got <value>". */
export function numberWhere(test: (v: number) => boolean, what: string) {
  return z.number({ error: mustBe(what) }).refine(test, { error: mustBe(what) });
}

export const positiveInteger = () => numberWhere((v) => Number.isInteger(v) && v >= 1, 'a positive integer');
export const nonNegativeInteger = () => numberWhere((v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
export const integer = () => numberWhere(Number.isInteger, 'an integer');
export const positiveNumber = () => numberWhere((v) => v > 0, 'a positive number');
export const nonNegativeNumber = () => numberWhere((v) => v >= 0, 'a number >= 0');
/** sklearn's `class_weight`: 'balanced' or null (every class weighs 1). */
export const classWeight = () => z.enum(['balanced'], { error: mustBe("'balanced' or null") }).nullable();

/**
 * Options with their defaults, checked by `schema`; a bad option is an INVALID_INPUT naming it
 * (`prefix` + its path, e.g. `neighbours.k`).
 */
export function resolveOptions<S extends z.ZodType>(schema: S, options: unknown, prefix = ''): z.output<S> {
  return parseOrThrow(
    schema,
    options ?? {},
    'INVALID_INPUT',
    'invalid options',
    (issue) => `${prefix}${issue.path.map(String).join('.') || '(options)'}: ${issue.message}`,
  );
}
