import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../app.js';

/** Open Inference Protocol (KServe V2) REST routes: written in routes/v2/. */
export function registerV2Routes(_app: FastifyInstance, _ctx: ServerContext): void {}
