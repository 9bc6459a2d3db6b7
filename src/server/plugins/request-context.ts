import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';

/**
 * Per-request context: the request id (the client's `X-Request-Id` when it is
 * a short safe token, otherwise a UUID) and instance headers, the
 * cancellation signal routes pass to the models, the in-flight gauge, and
 * the HTTP/1.1 Host check.
 */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** fastify's `genReqId` option. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export const requestContext = fp<{ ctx: ServerContext }>(
  async (app, { ctx }) => {
    app.decorateRequest('rtsModel', undefined);
    app.decorateRequest('principal', undefined);
    // The signal is made on first use: only routes that run a model ask for it.
    app.decorateRequest('abortController', null);
    app.decorateRequest('abortSignal', {
      getter(this: FastifyRequest) {
        this.abortController ??= new AbortController();
        return this.abortController.signal;
      },
    });

    app.addHook('onRequest', (request, reply, done) => {
      reply.header('X-Request-Id', request.id);
      reply.header('X-Rtscore-Instance', ctx.config.instanceId);
      // HTTP/1.1 requires Host (RFC 9112 §3.2); Node's own check would answer an empty 400.
      if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
        done(rtsError('INVALID_INPUT', 'the Host header is missing (HTTP/1.1 requires it)'));
        return;
      }
      ctx.metrics.inFlight.inc();
      reply.raw.once('close', () => {
        ctx.metrics.inFlight.dec();
        if (!reply.raw.writableFinished) request.abortController?.abort();
      });
      done();
    });
    // Decided when the answer goes out, not when the request came in: a request whose hooks
    // ran just before SIGTERM but whose answer leaves after it still tells its client to go.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (ctx.state.draining) reply.header('Connection', 'close');
      done(null, payload);
    });
  },
  { name: 'rtscore-request-context' },
);
