import { isRtsError } from '../core/errors.js';

/**
 * What the command line prints when a command fails: one line for anything a
 * user can act on (rtscore's own errors, a missing file, a port in use); the
 * stack trace only for what can only be a bug.
 */
export function describeCliError(err: unknown): string {
  if (isRtsError(err)) return err.message;
  const system = err as Partial<NodeJS.ErrnoException>;
  if (err instanceof Error && typeof system.code === 'string' && typeof system.syscall === 'string') return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
