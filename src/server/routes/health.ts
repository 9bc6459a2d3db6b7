import type { FastifyInstance } from 'fastify';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';

/**
 * Liveness (the process answers), readiness (every model loaded and warmed,
 * not draining), version, and Prometheus metrics.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const open = { config: { access: 'open-health' as const } };
  app.get('/healthz', { ...open, schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { ...open, schema: { tags: ['health'], summary: 'Readiness: every loaded model ready and warm (ModelRegistry.ready)' } },
    async (_req, reply) => {
      const models = Object.fromEntries(ctx.registry.names().map((n) => [n, ctx.registry.state(n)?.state ?? 'UNAVAILABLE']));
      if (!ctx.state.isReady()) {
        reply.code(503).header('Retry-After', '5');
        // "unavailable": nothing loading and no model left (every one unloaded or failed).
        const status = ctx.state.draining ? 'draining' : Object.values(models).includes('LOADING') ? 'loading' : 'unavailable';
        return { status, models };
      }
      return { status: 'ready', models };
    },
  );
  app.get('/version', { ...open, schema: { tags: ['health'], summary: 'Server and library versions' } }, async () => ({
    name: 'rtscore',
    version: ctx.version,
    node: process.versions.node,
    models: Object.fromEntries(ctx.registry.names().map((n) => [n, ctx.registry.versions(n)])),
  }));
  app.get('/metrics', { config: { access: 'open-metrics' }, schema: { tags: ['health'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.exposition();
  });
}

/**
 * Open Inference Protocol health: 200 {"live": true} / {"ready": true}; 503
 * when not ready. Registered in the OIP scope, so errors take the OIP shape.
 */
export function registerOipHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const open = { config: { access: 'open-health' as const } };
  app.get('/v2/health/live', { ...open, schema: { tags: ['v2'], summary: 'OIP server live' } }, async () => ({ live: true }));
  app.get('/v2/health/ready', { ...open, schema: { tags: ['v2'], summary: 'OIP server ready' } }, async () => {
    if (!ctx.state.isReady()) throw rtsError('MODEL_NOT_READY', ctx.state.draining ? 'server is draining' : 'models are loading', { retryAfterSeconds: 5 });
    return { ready: true };
  });
}
