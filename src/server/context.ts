import type { ModelRegistry } from '../core/registry.js';
import type { ApiKeyAuth, Principal } from './auth.js';
import type { RtsConfig } from './config.js';
import type { Metrics } from './metrics.js';

/**
 * What the plugins and routes share: the server's state, its collaborators,
 * and what fastify's requests and routes carry for us. Routes import this,
 * never `app.ts`, so the composition root stays at the top of the graph.
 */

/** Who may call a route: `open-*` needs no key while its `authOpen*` option is on; `admin` needs an admin key. */
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
    readonly abortSignal: AbortSignal;
    /** Behind `abortSignal`, made when a route first asks for the signal. */
    abortController: AbortController | null;
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
