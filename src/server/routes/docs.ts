import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { documentRoute } from '../openapi.js';
import { openLikeDocs } from './common.js';

/**
 * The OpenAPI document of the whole HTTP API, generated from the route
 * schemas (`/openapi.json`), and the interactive page at `/docs`.
 */
export async function registerDocs(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  if (!ctx.config.docs) return;
  await app.register(swagger, {
    transform: documentRoute as never,
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'rtscore',
        version: ctx.version,
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
        description:
          "Real-time scoring of machine-learning models: FAQ matching, image classification, the Open Inference Protocol (KServe V2) and the reference architecture's /score API.",
      },
      // Relative: the server that serves this document (Swagger UI's "Try it out" calls it).
      servers: [{ url: '/', description: 'this rtscore server' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (when keys are configured).' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'faq', description: 'FAQ matching' },
        { name: 'images', description: 'Image classification' },
        { name: 'reference', description: 'Reference-compatible API' },
        { name: 'v2', description: 'Open Inference Protocol (KServe V2) REST' },
        { name: 'kserve-v1', description: 'KServe V1 protocol (:predict) for models brought as ONNX' },
        { name: 'repository', description: 'Model repository control' },
        { name: 'health', description: 'Health, readiness, metrics' },
      ],
    },
  });
  await app.register(async (ui) => {
    openLikeDocs(ui);
    await ui.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });
  });
  app.get('/openapi.json', { config: { access: 'open-docs' }, schema: { hide: true } }, async () => app.swagger());
}
