import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { addTiming, type RequestTimings, TIMING_PHASES } from '../../core/timings.js';

/**
 * The `Server-Timing` header of inference answers: where the request's time
 * went on the server. Each phase is measured where it happens: body parsing
 * here (preParsing → preValidation) and the routes' own decoding (base64,
 * multipart, binary tensors) add to `decode`; models fill preprocess, queue
 * and inference through the timings object routes pass them. Answers that ran
 * no model get no header.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** This request's server-side timings (ms), passed to the model. */
    timings: RequestTimings;
  }
}

const MODEL_PHASES = new Set<string>(['preprocess', 'queue', 'inference']);
const parseStartedAt = new WeakMap<FastifyRequest, number>();

/** `decode;dur=0.21, preprocess;dur=3.4, queue;dur=0.05, inference;dur=28.7, total;dur=33.1` */
export function serverTimingHeader(timings: RequestTimings, totalMs: number): string {
  const phases = TIMING_PHASES.filter((p) => timings[p] !== undefined).map((p) => `${p};dur=${timings[p]!.toFixed(2)}`);
  return [...phases, `total;dur=${totalMs.toFixed(2)}`].join(', ');
}

export const serverTiming = fp(
  async (app) => {
    app.decorateRequest('timings', undefined as unknown as RequestTimings);
    // Callback hooks: an async hook costs a promise and a microtask per request on every route.
    app.addHook('onRequest', (request, _reply, done) => {
      request.timings = {};
      done();
    });
    app.addHook('preParsing', (request, _reply, payload, done) => {
      parseStartedAt.set(request, performance.now());
      done(null, payload);
    });
    app.addHook('preValidation', (request, _reply, done) => {
      const started = parseStartedAt.get(request);
      if (started !== undefined) addTiming(request.timings, 'decode', performance.now() - started);
      done();
    });
    app.addHook('onSend', (request, reply, payload, done) => {
      const timings = request.timings;
      if (timings && Object.keys(timings).some((p) => MODEL_PHASES.has(p))) {
        reply.header('Server-Timing', serverTimingHeader(timings, reply.elapsedTime));
      }
      done(null, payload);
    });
  },
  { name: 'rtscore-server-timing' },
);
