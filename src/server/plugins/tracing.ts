import type { Span } from '@opentelemetry/api';
import fp from 'fastify-plugin';
import type { Tracing } from '../tracing.js';

/**
 * With tracing on: the request's span, started on arrival and ended once the
 * answer is sent, with the steps its timings recorded (server-timing.ts:
 * decode, preprocess, queue, inference) as child spans. Registered after the
 * Server-Timing plugin, which creates the timings.
 */
declare module 'fastify' {
  interface FastifyRequest {
    traceSpan?: Span;
    traceError?: Error;
  }
}

export const requestTracing = fp<{ tracing: Tracing }>(
  async (app, { tracing }) => {
    app.decorateRequest('traceSpan', undefined);
    app.decorateRequest('traceError', undefined);
    app.addHook('onRequest', async (request) => {
      request.timings.steps = [];
      const route = request.routeOptions.url ?? 'unknown route';
      request.traceSpan = tracing.startRequest(
        `${request.method} ${route}`,
        request.headers,
        {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0]!,
          'rtscore.request_id': request.id,
        },
        performance.now(),
      );
    });
    app.addHook('onError', async (request, _reply, error) => {
      request.traceError = error;
    });
    app.addHook('onResponse', async (request, reply) => {
      if (!request.traceSpan) return;
      if (request.rtsModel) request.traceSpan.setAttribute('rtscore.model', request.rtsModel);
      tracing.endRequest(request.traceSpan, reply.statusCode, request.timings.steps ?? [], request.traceError);
    });
  },
  { name: 'rtscore-tracing', dependencies: ['rtscore-server-timing'] },
);
