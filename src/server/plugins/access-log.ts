import fp from 'fastify-plugin';
import type { Logger as PinoLogger } from 'pino';
import type { ServerContext } from '../context.js';
import { payloadForLog } from '../logging.js';

/**
 * One access line and the HTTP metrics per request (replacing fastify's two
 * log lines); the payload only at debug level with payload logging on, size-capped.
 * The model is labelled by `modelLabel`: known names only.
 */
export const accessLog = fp<{ ctx: ServerContext; logger: PinoLogger }>(
  async (app, { ctx, logger }) => {
    const { config, metrics } = ctx;
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const status = String(reply.statusCode);
      const model = modelLabel(ctx, request.rtsModel);
      const seconds = reply.elapsedTime / 1000;
      metrics.httpRequest(route, request.method, status, model, seconds);
      const line: Record<string, unknown> = {
        method: request.method,
        url: request.url.split('?')[0],
        route,
        status: reply.statusCode,
        ms: Number(reply.elapsedTime.toFixed(2)),
        model: model || undefined,
        ip: request.ip,
        key: request.principal?.keyId,
      };
      if (config.logPayloads && logger.isLevelEnabled('debug') && request.body !== undefined) {
        request.log.debug({ payload: payloadForLog(request.body, config.logPayloadMaxBytes) }, 'request payload');
      }
      request.log.info(line, 'request');
      done();
    });
  },
  { name: 'rtscore-access-log' },
);

/**
 * The model a request named, as a metric label and log field: a name the
 * registry knows, `unknown` for anything else. Names come from URLs and
 * bodies, so passing them through would let clients mint label values
 * without bound (and write their bytes into the log).
 */
export function modelLabel(ctx: ServerContext, name: string | undefined): string {
  if (name === undefined || name === '') return '';
  return ctx.registry.state(name) !== undefined ? name : 'unknown';
}
