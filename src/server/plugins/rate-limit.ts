import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';

/**
 * Requests per minute per API key (per client address without keys), when
 * `rateLimitPerMinute` is set. Registered after authentication so the bucket
 * is the key; health and metrics are never limited.
 */
export const requestRateLimit = fp<{ ctx: ServerContext }>(
  async (app, { ctx }) => {
    const max = ctx.config.rateLimitPerMinute;
    if (max <= 0) return;
    await app.register(rateLimit, {
      max,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => request.principal?.keyId ?? request.ip,
      allowList: (request: FastifyRequest) => {
        const access = request.routeOptions.config?.access;
        return access === 'open-health' || access === 'open-metrics';
      },
      errorResponseBuilder: (_req, limit) =>
        rtsError('RATE_LIMITED', `rate limit of ${limit.max} requests per minute exceeded; retry in ${Math.ceil(limit.ttl / 1000)} s`, {
          retryAfterSeconds: Math.ceil(limit.ttl / 1000),
        }),
    });
  },
  { name: 'rtscore-rate-limit', dependencies: ['rtscore-auth'] },
);
