import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { openLikeDocs } from './common.js';

/** The demo web page (web/ at the project root), served at `/`; open like the docs. */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const root = findWebRoot();
  if (!root) return;
  await app.register(async (web) => {
    // The page's static files need no API key (authOpenDocs); the page sends the key itself.
    openLikeDocs(web);
    await web.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], wildcard: false, decorateReply: false });
  });
}

function findWebRoot(): string | undefined {
  // src/server/routes → ../../../web ; dist/src/server/routes → ../../../../web
  for (const rel of ['../../../web', '../../../../web']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${p}/index.html`)) return p;
  }
  return undefined;
}
