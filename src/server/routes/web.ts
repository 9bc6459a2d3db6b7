import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { ServerContext } from '../app.js';

/** The demo web page (web/ at the project root), served at `/`. */
export async function registerWeb(app: FastifyInstance, _ctx: ServerContext): Promise<void> {
  const root = findWebRoot();
  if (!root) return;
  await app.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], wildcard: false, decorateReply: false });
}

function findWebRoot(): string | undefined {
  // src/server/routes → ../../../web ; dist/src/server/routes → ../../../../web
  for (const rel of ['../../../web', '../../../../web']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${p}/index.html`)) return p;
  }
  return undefined;
}
