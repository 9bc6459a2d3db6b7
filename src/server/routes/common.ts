import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rtsError } from '../../core/errors.js';
import type { Model } from '../../core/model.js';
import type { ServerContext } from '../context.js';

/** Helpers shared by the task routes. */

/**
 * Every route registered in `scope` (an encapsulated plugin) from now on is open like the
 * docs: no API key while `authOpenDocs` is on. For routes a plugin registers itself
 * (static files, the Swagger UI), which cannot be given `config.access` one by one.
 */
export function openLikeDocs(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), access: 'open-docs' };
  });
}

/** Lease a model (name, optional version) for the request: recorded for metrics and logs, released after `fn`. */
export function withLease<T>(
  ctx: ServerContext,
  request: FastifyRequest,
  name: string,
  version: string | undefined,
  fn: (model: Model) => T | Promise<T>,
): Promise<T> {
  request.rtsModel = name;
  return ctx.registry.use(name, version, fn);
}

/** `withLease` for an inference: counted in the model's statistics (OIP statistics extension). */
export function withInference<T>(
  ctx: ServerContext,
  request: FastifyRequest,
  name: string,
  version: string | undefined,
  fn: (model: Model) => T | Promise<T>,
): Promise<T> {
  request.rtsModel = name;
  return ctx.registry.infer(name, version, fn);
}

/** `withInference`, and the model must have the capability `check` tests for. */
export function withModel<M extends Model, T>(
  ctx: ServerContext,
  request: FastifyRequest,
  name: string,
  version: string | undefined,
  check: (m: Model) => m is M,
  what: string,
  fn: (model: M) => Promise<T>,
): Promise<T> {
  return withInference(ctx, request, name, version, (model) => {
    if (!check(model)) throw rtsError('INVALID_INPUT', `model "${name}" is ${article(model.kind)} ${model.kind} model, not ${what}`);
    return fn(model);
  });
}

/**
 * The default model of a route, by name only: when it is unloaded, still
 * loading or absent the answer is 503 MODEL_NOT_READY, never another model
 * that happens to be loaded (whose answers a client of the default would not
 * expect).
 */
export function defaultModelName(ctx: ServerContext, name: string): string {
  const state = ctx.registry.state(name)?.state;
  if (state !== 'READY') {
    throw rtsError(
      'MODEL_NOT_READY',
      `the default model "${name}" is not ${state === undefined ? 'in the repository' : `ready (${state.toLowerCase()})`}; name a model to use another`,
      { retryAfterSeconds: 5 },
    );
  }
  return name;
}

/** A model name or version from a request: a short identifier. */
export function parseName(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && field === 'version' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) {
    throw rtsError('INVALID_INPUT', `${field} must be a model ${field === 'version' ? 'version' : 'name'} (letters, digits, . _ -)`);
  }
  return value;
}

/** "a" or "an" before a word (`an image-classifier`, `a faq-matcher`). */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
