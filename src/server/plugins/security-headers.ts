import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { ServerContext } from '../context.js';

/** Security headers (helmet) and, when origins are configured, CORS. */
export const securityHeaders = fp<{ ctx: ServerContext }>(
  async (app, { ctx }) => {
    const { config } = ctx;
    const tls = Boolean(config.tlsCert && config.tlsKey);
    await app.register(helmet, {
      // The demo page and /docs use same-origin scripts and inline styles only.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          scriptSrc: ["'self'"],
          connectSrc: ["'self'"],
          // Without TLS, upgrading the page's own requests to https would break it.
          upgradeInsecureRequests: tls ? [] : null,
        },
      },
      hsts: tls ? { maxAge: 15552000 } : false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });
    if (config.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
        methods: ['GET', 'POST'],
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-API-Key', 'Inference-Header-Content-Length'],
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'Inference-Header-Content-Length', 'Server-Timing'],
      });
    }
  },
  { name: 'rtscore-security-headers' },
);
