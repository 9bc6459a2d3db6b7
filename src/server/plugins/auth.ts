import fp from 'fastify-plugin';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';

/**
 * Authentication, as an onRequest hook: before body parsing, so an
 * unauthenticated body is never read. Each route says who may call it with
 * `config.access` (see `RouteAccess`); the default is any valid key.
 */
export const authentication = fp<{ ctx: ServerContext }>(
  async (app, { ctx }) => {
    const { auth, config } = ctx;
    app.addHook('onRequest', (request, _reply, done) => {
      // Without keys, nothing to check (and `routeOptions`, a getter that builds an object, is not read).
      if (!auth.enabled) return done();
      const access = request.routeOptions.config?.access ?? 'key';
      if (access === 'open-health' && config.authOpenHealth) return done();
      if (access === 'open-metrics' && config.authOpenMetrics) return done();
      if (access === 'open-docs' && config.authOpenDocs) return done();
      try {
        request.principal = auth.authenticate(request.headers);
      } catch (err) {
        return done(err as Error);
      }
      if (access === 'admin' && !request.principal.admin) {
        return done(rtsError('FORBIDDEN', 'this API key may not manage the model repository (an admin key is required)'));
      }
      done();
    });
  },
  { name: 'rtscore-auth', dependencies: ['rtscore-request-context'] },
);
