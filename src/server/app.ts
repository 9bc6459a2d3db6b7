import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { ModelRegistry } from '../core/registry.js';
import { ApiKeyAuth, keySets } from './auth.js';
import type { RtsConfig } from './config.js';
import type { ServerContext, ServerState } from './context.js';
import { Metrics } from './metrics.js';
import { accessLog } from './plugins/access-log.js';
import { authentication } from './plugins/auth.js';
import { bodyParsers } from './plugins/body-parsers.js';
import { apiErrors } from './plugins/errors.js';
import { requestRateLimit } from './plugins/rate-limit.js';
import { requestContext, requestId } from './plugins/request-context.js';
import { securityHeaders } from './plugins/security-headers.js';
import { serverTiming } from './plugins/server-timing.js';
import { requestTracing } from './plugins/tracing.js';
import { registerDocs } from './routes/docs.js';
import { registerFaqRoutes } from './routes/faq.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerImageRoutes } from './routes/images.js';
import { registerKserveV1Routes } from './routes/kserve-v1.js';
import { registerScoreRoutes } from './routes/score.js';
import { registerV2Routes } from './routes/v2.js';
import { registerWeb } from './routes/web.js';
import { formatSchemaErrors } from './schema-errors.js';
import type { Tracing } from './tracing.js';
import { clientErrorHandler, frameworkErrors, installTransportErrors } from './transport-errors.js';

export type { RouteAccess, ServerContext, ServerState } from './context.js';

/**
 * The HTTP server: fastify's options, then one plugin per mechanism
 * (plugins/), then the routes. Order matters where a hook must run before
 * another: request context, security headers, authentication (before any
 * body is read), rate limit (buckets by key), body parsing, access log.
 */
export interface CreateServerOptions {
  config: RtsConfig;
  registry: ModelRegistry;
  logger: PinoLogger;
  metrics?: Metrics;
  auth?: ApiKeyAuth;
  version?: string;
  tracing?: Tracing;
}

export async function createServer(options: CreateServerOptions): Promise<{ app: FastifyInstance; context: ServerContext }> {
  const { config, registry } = options;
  const state: ServerState = {
    draining: false,
    isReady() {
      return !this.draining && registry.ready();
    },
  };
  const ctx: ServerContext = {
    config,
    registry,
    metrics: options.metrics ?? new Metrics(),
    auth: options.auth ?? new ApiKeyAuth(keySets(config)),
    state,
    version: options.version ?? '0.0.0',
    ...(options.tracing ? { tracing: options.tracing } : {}),
  };

  const app = Fastify(fastifyOptions(config, options.logger)) as unknown as FastifyInstance;
  installTransportErrors(app.server);
  await app.register(apiErrors);
  await app.register(requestContext, { ctx });
  await app.register(securityHeaders, { ctx });
  await app.register(authentication, { ctx });
  await app.register(requestRateLimit, { ctx });
  await app.register(bodyParsers, { ctx });
  await app.register(accessLog, { ctx, logger: options.logger });
  await app.register(serverTiming);
  if (ctx.tracing) await app.register(requestTracing, { tracing: ctx.tracing });

  await registerDocs(app, ctx);
  registerHealthRoutes(app, ctx);
  registerFaqRoutes(app, ctx);
  registerImageRoutes(app, ctx);
  registerScoreRoutes(app, ctx);
  registerV2Routes(app, ctx);
  registerKserveV1Routes(app, ctx);
  if (config.web) await registerWeb(app);
  return { app, context: ctx };
}

function fastifyOptions(config: RtsConfig, logger: PinoLogger): Parameters<typeof Fastify>[0] {
  const https = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : null;
  return {
    loggerInstance: logger,
    // Our own access line (plugins/access-log.ts) replaces fastify's two per request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: requestId,
    bodyLimit: config.bodyLimitBytes,
    // requestTimeoutMs bounds headers, body and the answer: Node's header and
    // request timers (checked every `connectionsCheckingInterval`, so the
    // check is frequent enough to hold the figure) and the socket's idle timer.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    forceCloseConnections: 'idle',
    // In-flight and keep-alive requests that arrive while draining are still
    // served; the listener is closed so no new connection is accepted.
    return503OnClosing: false,
    http: {
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.requestTimeoutMs / 20))),
      // Checked in request-context.ts, so the 400 has the documented shape.
      requireHostHeader: false,
    },
    clientErrorHandler,
    frameworkErrors,
    ...(https ? { https } : {}),
    // verbose: each error carries its schema and data, for formatSchemaErrors' one readable message.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
    schemaErrorFormatter: formatSchemaErrors,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
  } as Parameters<typeof Fastify>[0];
}
