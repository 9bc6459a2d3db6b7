import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { rtsError } from '../core/errors.js';
import type { ModelKind } from '../core/model.js';
import { ModelRegistry } from '../core/registry.js';
import { createServer } from './app.js';
import { ApiKeyAuth, keySets } from './auth.js';
import { clusterMetricsSource } from './cluster-metrics.js';
import type { RtsConfig } from './config.js';
import type { ServerContext } from './context.js';
import { acceptBacklog } from './drain.js';
import { createLogger } from './logging.js';
import { Metrics } from './metrics.js';
import { Tracing } from './tracing.js';

/**
 * Start-up and shutdown of one server process:
 *  1. listen at once (liveness answers; readiness says "loading"),
 *  2. build missing default models and load every model in the background,
 *  3. readiness turns true when all are loaded and warmed,
 *  4. on SIGTERM/SIGINT: readiness false at once, optionally keep serving
 *     `shutdownDelayMs` for load balancers to notice, accept what waits in
 *     the backlog (drain.ts), stop accepting, let in-flight requests finish
 *     within `shutdownGraceMs`, exit 0.
 */
export interface RunningServer {
  app: FastifyInstance;
  context: ServerContext;
  registry: ModelRegistry;
  logger: PinoLogger;
  /** `http(s)://host:port` actually bound. */
  url: string;
  /** Settles when the initial model load is over (rejects under `onModelFailure: fail`). */
  loaded: Promise<void>;
  /** Drain and stop (what SIGTERM does); resolves with the exit code (at least `exitCode`, e.g. 1 after a failed start). */
  shutdown(reason?: string, exitCode?: number): Promise<number>;
}

export interface StartOptions {
  config: RtsConfig;
  kinds: readonly ModelKind[];
  version?: string;
  /** Install SIGTERM/SIGINT/SIGHUP handlers and exit the process after shutdown. Default false. */
  handleSignals?: boolean;
  /** Log destination (tests capture logs through it). */
  logDestination?: DestinationStream;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = createLogger({
    level: config.logLevel,
    instanceId: config.instanceId,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const metrics = new Metrics();
  // Under `rtscore serve --workers N`: /metrics answers for all workers (cluster-metrics.ts).
  if (cluster.isWorker) metrics.aggregateWith(clusterMetricsSource(metrics.registry));
  const auth = new ApiKeyAuth(keySets(config));
  const registry = new ModelRegistry({
    root: config.modelsDir,
    kinds: options.kinds,
    only: config.models,
    logger,
    observer: metrics,
    events: metrics.registryEvents(),
    settings: { intraOpThreads: config.onnxThreads, executionProvider: config.executionProvider, maxImagePixels: config.maxImagePixels },
    buildMissing: config.buildMissing,
  });
  const tracing = config.otlpTracesEndpoint
    ? new Tracing({ endpoint: config.otlpTracesEndpoint, serviceName: 'rtscore', serviceVersion: options.version ?? '0.0.0', instanceId: config.instanceId })
    : undefined;
  const { app, context } = await createServer({
    config,
    registry,
    logger,
    metrics,
    auth,
    ...(options.version ? { version: options.version } : {}),
    ...(tracing ? { tracing } : {}),
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw listenError(err, config.host, config.port);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${config.tlsCert ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, auth: auth.enabled, tls: Boolean(config.tlsCert), models: config.modelsDir }, 'rtscore listening');

  let shuttingDown: Promise<number> | undefined;
  const shutdown = (reason = 'shutdown', exitCode = 0): Promise<number> => {
    shuttingDown ??= drain(reason, exitCode);
    return shuttingDown;
  };
  const drain = async (reason: string, exitCode: number): Promise<number> => {
    context.state.draining = true;
    logger.info({ reason, graceMs: config.shutdownGraceMs, delayMs: config.shutdownDelayMs }, 'draining: readiness is now false');
    if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
    // Requests already sent (even those still in the accept backlog) are answered, with Connection: close.
    const accepted = await acceptBacklog(app.server);
    if (accepted > 0) logger.info({ accepted }, 'accepted the connections waiting when the drain began');
    let code = exitCode;
    const grace = setTimeout(() => {
      logger.error({ graceMs: config.shutdownGraceMs }, 'grace period over with requests still in flight: closing them');
      app.server.closeAllConnections?.();
      code = 1;
    }, config.shutdownGraceMs);
    try {
      await app.close(); // stops accepting, waits for in-flight requests
      await registry.close(); // models finish queued work
      await tracing?.shutdown(); // export the last spans
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'error during shutdown');
      code = 1;
    } finally {
      clearTimeout(grace);
    }
    logger.info({ code }, 'rtscore stopped');
    return code;
  };

  const loaded = (async () => {
    const failures = await registry.loadAll({ failFast: config.onModelFailure === 'fail' });
    for (const [name, err] of failures) logger.error({ model: name, err: err.message }, 'model not served');
    const names = registry.names().filter((n) => registry.state(n)?.state === 'READY');
    if (names.length === 0) {
      throw registry.names().length === 0 ? noModelsError(config.modelsDir) : rtsError('CONFIG', 'no model could be loaded (the errors above say why)');
    }
    logger.info({ models: names }, 'ready: every model loaded and warmed');
  })();

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      void shutdown(signal).then((code) => process.exit(code));
    };
    // `on`, not `once`: a second signal (Ctrl-C reaches every cluster worker too) must not kill mid-drain.
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', () => {
      try {
        auth.setKeys(keySets(config));
        logger.info('API keys reloaded');
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'API keys could not be reloaded; keeping the old ones');
      }
    });
    loaded.catch((err: Error) => {
      logger.fatal({ err: err.message }, 'start-up failed: stopping');
      process.stderr.write(`rtscore: ${err.message}\n`);
      void shutdown('start-up failed', 1).then((code) => process.exit(code));
    });
  } else {
    loaded.catch(() => undefined);
  }

  return { app, context, registry, logger, url, loaded, shutdown };
}

/** An empty model repository: what to do about it. */
export function noModelsError(modelsDir: string) {
  return rtsError(
    'CONFIG',
    `the model repository ${resolve(modelsDir)} has no models: add a folder per model with a config.json ` +
      '(e.g. models/faq/config.json), or point --models / RTSCORE_MODELS_DIR at a model repository',
  );
}

/** A port in use or not ours to take: say so, and what to do, in one line. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return rtsError('CONFIG', `port ${port} is already in use on ${host}: stop the other server or choose another port (--port or RTSCORE_PORT)`, {
      cause: err,
    });
  if (code === 'EACCES')
    return rtsError('CONFIG', `no permission to listen on ${where} (ports below 1024 need privileges): choose another port (--port or RTSCORE_PORT)`, {
      cause: err,
    });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return rtsError('CONFIG', `cannot listen on ${where}: no such address on this machine (--host or RTSCORE_HOST)`, { cause: err });
  return err;
}
