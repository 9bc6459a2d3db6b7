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
    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config?.access ?? 'key';
      if (!auth.enabled) return;
      if (access === 'open-health' && config.authOpenHealth) return;
      if (access === 'open-metrics' && config.authOpenMetrics) return;
      if (access === 'open-docs' && config.authOpenDocs) return;
      request.principal = auth.authenticate(request.headers);
      if (access === 'admin' && !request.principal.admin) {
        throw rtsError('FORBIDDEN', 'this API key may not manage the model repository (an admin key is required)');
      }
    });
  },
  { name: 'rtscore-auth', dependencies: ['rtscore-request-context'] },
);
