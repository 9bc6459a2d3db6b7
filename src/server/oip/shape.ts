import { rtsError } from '../../core/errors.js';
import { quote } from '../../core/quote.js';
import { shapeMatches } from '../../core/tensor.js';
import type { OipLimits } from './limits.js';

/** Shapes in requests: checked, counted without overflow, matched against a model's specs. */

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * A request shape: an array of non-negative integers, rank within the limit,
 * and an element count within `maxElements`. Returns the shape and its count.
 */
export function checkShape(value: unknown, where: string, limits: Pick<OipLimits, 'maxElements' | 'maxRank'>): { shape: number[]; count: number } {
  if (!Array.isArray(value)) throw rtsError('INVALID_INPUT', `${where}: "shape" must be an array of non-negative integers`);
  if (value.length > limits.maxRank) {
    throw rtsError('INVALID_INPUT', `${where}: shape has rank ${value.length}; at most ${limits.maxRank} dimensions are accepted`);
  }
  let count = 1;
  for (const d of value) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw rtsError('INVALID_INPUT', `${where}: "shape" must be an array of non-negative integers, got ${quote(value)}`);
    }
    count *= d;
  }
  // Checked after the loop: a 0 anywhere makes the count 0 whatever the other dimensions.
  if (count > limits.maxElements) {
    throw rtsError('PAYLOAD_TOO_LARGE', `${where}: shape ${formatShape(value as number[])} has ${count} elements; at most ${limits.maxElements} are accepted`);
  }
  return { shape: value as number[], count };
}

/**
 * Fit a request shape to a model's spec: same rank, fixed dimensions equal.
 * Trailing dimensions of size 1 may be added or dropped to reach the spec's
 * rank (a batch of strings may come as [n] or [n,1], like scikit-learn's
 * column vectors); the data is row-major, so only the shape changes.
 * Returns the shape to use, or undefined when it does not fit.
 */
export function fitShape(spec: readonly number[], shape: readonly number[]): number[] | undefined {
  if (shapeMatches(spec, shape)) return [...shape];
  let fitted: number[];
  if (shape.length > spec.length) {
    if (!shape.slice(spec.length).every((d) => d === 1)) return undefined;
    fitted = shape.slice(0, spec.length);
  } else {
    fitted = [...shape, ...new Array<number>(spec.length - shape.length).fill(1)];
  }
  return shapeMatches(spec, fitted) ? fitted : undefined;
}
