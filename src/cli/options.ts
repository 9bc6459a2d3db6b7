import { InvalidArgumentError } from 'commander';

/** commander argument parsers shared by the commands. */
export function int(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

export function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number between 0 and 1`);
    return n;
  };
}

/** Print a line to stdout (commands report progress line by line). */
export const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
