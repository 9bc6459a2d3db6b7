import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { ServerContext } from '../context.js';

/**
 * Security headers (helmet) and, when origins are configured, CORS.
 *
 * helmet's headers depend on its options only (no CSP nonces, no directive functions),
 * so they are computed once at start-up and copied onto each answer. Running helmet per
 * request, as @fastify/helmet does, re-parses the CSP directives and sets a dozen headers
 * through Node's validating `setHeader` every time: ≈ 7 % of a `GET /healthz`'s CPU.
 */
export const securityHeaders = fp<{ ctx: ServerContext }>(
  async (app, { ctx }) => {
    const { config } = ctx;
    const tls = Boolean(config.tlsCert && config.tlsKey);
    const headers = helmetHeaders({
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
      strictTransportSecurity: tls ? { maxAge: 15552000 } : false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
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

/** The headers helmet sets with these options, recorded from one run of its middleware. */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // Every helmet middleware is synchronous; one that was not would leave headers unset.
  if (!finished) throw new Error('helmet did not finish synchronously; its headers cannot be computed once');
  return headers;
}
