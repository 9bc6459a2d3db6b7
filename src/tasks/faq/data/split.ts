import { mulberry32, shuffleInPlace } from '../../../core/random.js';

export interface SplitOptions {
  /** Share of each class that goes to the held-out part (default 0.21, the reference's). */
  testSize?: number;
  /** Seed of the mulberry32 generator (default 42). */
  seed?: number;
}

export interface Split<T> {
  train: T[];
  test: T[];
}

/**
 * REFERENCE §1 step 6: per class, `max(1, floor(n × testSize))` items go to the held-out
 * part, chosen at random with a seeded generator; so every class has at least one
 * held-out item. Classes are visited in order of first appearance and the generator is
 * shared, so the split depends only on the data order and the seed. Both parts keep the
 * input order. A class with a single item still gives it to the held-out part (as the
 * reference's formula does); callers filter such classes out before (min_dupes ≥ 2).
 */
export function stratifiedSplit<T>(items: readonly T[], classOf: (item: T) => string | number, options: SplitOptions = {}): Split<T> {
  const testSize = options.testSize ?? 0.21;
  if (!(testSize > 0 && testSize < 1)) throw new RangeError(`testSize must be in (0, 1), got ${testSize}`);
  const random = mulberry32(options.seed ?? 42);
  const byClass = new Map<string | number, number[]>();
  items.forEach((item, i) => {
    const c = classOf(item);
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const inTest = new Uint8Array(items.length);
  for (const indices of byClass.values()) {
    const k = Math.max(1, Math.floor(indices.length * testSize));
    for (const i of shuffleInPlace(indices.slice(), random).slice(0, k)) inTest[i] = 1;
  }
  const train: T[] = [];
  const test: T[] = [];
  items.forEach((item, i) => (inTest[i] ? test : train).push(item));
  return { train, test };
}
