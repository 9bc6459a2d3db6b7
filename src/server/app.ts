import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { Logger as PinoLogger } from 'pino';
import type { RtsConfig } from '../core/config.js';
import { rtsError } from '../core/errors.js';
import type { ModelRegistry } from '../core/registry.js';
import { ApiKeyAuth, keySets, type Principal } from './auth.js';
import { sendError } from './errors.js';
import { payloadForLog } from './logging.js';
import { Metrics } from './metrics.js';
import { registerDocs } from './routes/docs.js';
import { registerFaqRoutes } from './routes/faq.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerImageRoutes } from './routes/images.js';
import { registerScoreRoutes } from './routes/score.js';
import { registerV2Routes } from './routes/v2.js';
import { registerWeb } from './routes/web.js';

/** Who may call a route: `open` needs no key; `admin` needs an admin key. */
export type RouteAccess = 'open-health' | 'open-metrics' | 'open-docs' | 'key' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The model a request used, for metrics and access logs. */
    rtsModel?: string;
    principal?: Principal;
    /** Aborted when the client goes away before the answer is sent. */
    abortSignal: AbortSignal;
  }
}

/** Server-wide state shared by the routes. */
export interface ServerState {
  draining: boolean;
  /** Readiness: models loaded and warmed, not draining. */
  isReady(): boolean;
}

export interface ServerContext {
  config: RtsConfig;
  registry: ModelRegistry;
  metrics: Metrics;
  auth: ApiKeyAuth;
  state: ServerState;
  version: string;
}

export interface CreateServerOptions {
  config: RtsConfig;
  registry: ModelRegistry;
  logger: PinoLogger;
  metrics?: Metrics;
  auth?: ApiKeyAuth;
  version?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:\-]{1,128}$/;

export async function createServer(options: CreateServerOptions): Promise<{ app: FastifyInstance; context: ServerContext }> {
  const { config, registry } = options;
  const metrics = options.metrics ?? new Metrics();
  const auth = options.auth ?? new ApiKeyAuth(keySets(config));
  const state: ServerState = {
    draining: false,
    isReady() {
      return !this.draining && registry.ready();
    },
  };
  const context: ServerContext = { config, registry, metrics, auth, state, version: options.version ?? '0.0.0' };

  const https = config.tlsCert && config.tlsKey
    ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
    : null;
  const app = Fastify({
    loggerInstance: options.logger,
    // Our own access line (onResponse below) replaces fastify's two per request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionTimeout: 0,
    forceCloseConnections: 'idle',
    // In-flight and keep-alive requests that arrive while draining are still
    // served; the listener is closed so no new connection is accepted.
    return503OnClosing: false,
    http: { maxHeaderSize: config.maxHeaderBytes },
    ...(https ? { https } : {}),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  app.decorateRequest('rtsModel', undefined);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('abortSignal', undefined as unknown as AbortSignal);

  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, rtsError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));

  // Request id, instance header, cancellation signal, in-flight gauge.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    reply.header('X-Rtscore-Instance', config.instanceId);
    if (state.draining) reply.header('Connection', 'close');
    const controller = new AbortController();
    request.abortSignal = controller.signal;
    metrics.inFlight.inc();
    reply.raw.once('close', () => {
      metrics.inFlight.dec();
      if (!reply.raw.writableFinished) controller.abort();
    });
  });

  await app.register(helmet, {
    // The demo page and /docs use same-origin scripts and inline styles only.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:', 'blob:'], styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"], connectSrc: ["'self'"],
        // Without TLS, upgrading the page's own requests to https would break it.
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    hsts: https ? { maxAge: 15552000 } : false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-API-Key', 'Inference-Header-Content-Length'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'Inference-Header-Content-Length'],
    });
  }

  // Authentication (before body parsing: unauthenticated bodies are never read).
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

  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => request.principal?.keyId ?? request.ip,
      allowList: (request: FastifyRequest) => {
        const access = request.routeOptions.config?.access;
        return access === 'open-health' || access === 'open-metrics';
      },
      errorResponseBuilder: (_req, ctx) => rtsError('RATE_LIMITED', `rate limit of ${ctx.max} requests per minute exceeded; retry in ${Math.ceil(ctx.ttl / 1000)} s`, { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) }),
    });
  }

  await app.register(multipart, {
    limits: {
      fileSize: config.bodyLimitBytes,
      files: config.maxImagesPerRequest,
      fields: 16,
      fieldSize: 64 * 1024,
      parts: config.maxImagesPerRequest + 16,
      headerPairs: 200,
    },
  });

  // Compressed request bodies (Content-Encoding gzip, deflate, br) are decoded
  // before parsing, so the body limit counts decoded bytes (a gzip bomb is a
  // 413, not a memory spike). Answers are compressed only when the client asks
  // and they are worth it (1 KiB or more).
  await app.register(compress, {
    globalCompression: config.compressResponses,
    globalDecompression: true,
    encodings: ['br', 'gzip', 'deflate'],
    requestEncodings: ['br', 'gzip', 'deflate', 'identity'],
    threshold: 1024,
    onUnsupportedRequestEncoding: (encoding) => rtsError('UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Encoding "${encoding}" (use gzip, deflate, br or identity)`),
  });
  // multipart reads the raw socket stream, bypassing the decoder above.
  app.addHook('onRequest', async (request) => {
    const encoding = request.headers['content-encoding'];
    if (encoding && encoding !== 'identity' && /^multipart\//i.test(request.headers['content-type'] ?? '')) {
      throw rtsError('UNSUPPORTED_MEDIA_TYPE', 'a multipart body cannot be sent with a Content-Encoding; send the images uncompressed (they are compressed already) or as a raw image body');
    }
  });

  // JSON, multipart and binary only: a text/plain body is 415, not a string.
  app.removeContentTypeParser(['text/plain']);
  // Raw image bodies (and OIP binary bodies) arrive as Buffers.
  const asBuffer = (_req: unknown, body: string | Buffer, done: (err: null, body: Buffer) => void) => done(null, body as Buffer);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, asBuffer);
  app.addContentTypeParser(/^image\/[a-z0-9.+-]+$/i, { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, asBuffer);

  // One access line per request; payloads only at debug level, size-capped.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const model = request.rtsModel ?? '';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.labels(route, request.method, status, model).inc();
    metrics.httpDuration.labels(route, request.method, status, model).observe(seconds);
    const line: Record<string, unknown> = {
      method: request.method, url: request.url.split('?')[0], route, status: reply.statusCode,
      ms: Number(reply.elapsedTime.toFixed(2)), model: model || undefined, ip: request.ip,
      key: request.principal?.keyId,
    };
    if (config.logPayloads && options.logger.isLevelEnabled('debug') && request.body !== undefined) {
      request.log.debug({ payload: payloadForLog(request.body, config.logPayloadMaxBytes) }, 'request payload');
    }
    request.log.info(line, 'request');
  });

  await registerDocs(app, context);
  registerHealthRoutes(app, context);
  registerFaqRoutes(app, context);
  registerImageRoutes(app, context);
  registerScoreRoutes(app, context);
  registerV2Routes(app, context);
  if (config.web) await registerWeb(app);
  return { app, context };
}
