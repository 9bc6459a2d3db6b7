import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { rtsError } from '../../core/errors.js';
import { clip } from '../../core/quote.js';
import { type ErrorShape, sendError } from '../errors.js';

/**
 * Error and not-found handlers. fastify picks them per encapsulated scope,
 * so each API family installs its own shape in its own scope: the task APIs
 * get `{"error": {"code", "message"}}` at the root (`apiErrors`), and the
 * Open Inference Protocol scope calls `useOipErrors` for `{"error": "<message>"}`.
 */
function notFound(request: FastifyRequest) {
  return rtsError('NOT_FOUND', `no route ${request.method} ${clip(request.url.split('?')[0]!)}`);
}

function useErrorShape(scope: FastifyInstance, shape: ErrorShape): void {
  scope.setErrorHandler((err, request, reply) => sendError(request, reply, err, shape));
}

/** The root's handlers: every route outside a scope with its own shape. */
export const apiErrors = fp(
  async (app) => {
    useErrorShape(app, 'api');
    app.setNotFoundHandler((request, reply) => sendError(request, reply, notFound(request), 'api'));
  },
  { name: 'rtscore-errors' },
);

/**
 * The OIP shape for the routes of `scope` and for unknown URLs under `prefix`
 * (fastify routes a 404 to the handler of the longest registered prefix).
 */
export async function useOipErrors(scope: FastifyInstance, prefix: string): Promise<void> {
  useErrorShape(scope, 'oip');
  await scope.register(
    async (unknown) => {
      unknown.setNotFoundHandler((request, reply) => sendError(request, reply, notFound(request), 'oip'));
    },
    { prefix },
  );
}
