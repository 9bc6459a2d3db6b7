import type { Span } from '@opentelemetry/api';
import fp from 'fastify-plugin';
import { PhaseRecorder, recordPhases } from '../../core/request-phases.js';
import type { Tracing } from '../tracing.js';

/**
 * Per request: a phase recorder the models report to (the handler runs inside
 * it) and, when tracing is on, the request's span, ended with the phases as
 * children once the answer is sent.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** Where the request's time went inside the models (request-phases.ts). */
    phases: PhaseRecorder;
    traceSpan?: Span;
    traceError?: Error;
  }
}

export const requestPhases = fp<{ tracing?: Tracing | undefined }>(async (app, { tracing }) => {
  app.decorateRequest('phases', undefined as unknown as PhaseRecorder);
  app.decorateRequest('traceSpan', undefined);
  app.decorateRequest('traceError', undefined);

  app.addHook('onRequest', async (request) => {
    request.phases = new PhaseRecorder();
    if (tracing) {
      const route = request.routeOptions.url ?? 'unknown route';
      request.traceSpan = tracing.startRequest(`${request.method} ${route}`, request.headers, {
        'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0]!, 'rtscore.request_id': request.id,
      }, performance.now());
    }
  });
  // The handler (and every model call it makes) runs with the request's recorder current.
  app.addHook('preHandler', (request, _reply, done) => {
    recordPhases(request.phases, done);
  });
  if (tracing) {
    app.addHook('onError', async (request, _reply, error) => {
      request.traceError = error;
    });
    app.addHook('onResponse', async (request, reply) => {
      if (!request.traceSpan) return;
      if (request.rtsModel) request.traceSpan.setAttribute('rtscore.model', request.rtsModel);
      tracing.endRequest(request.traceSpan, reply.statusCode, request.phases.phases, request.traceError);
    });
  }
}, { name: 'rtscore-request-phases' });
