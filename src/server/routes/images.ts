import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImagePrediction } from '../../core/capabilities.js';
import { isImageClassifier } from '../../core/capabilities.js';
import { rtsError } from '../../core/errors.js';
import { timed } from '../../core/timings.js';
import { decodeBase64Image } from '../base64.js';
import type { ServerContext } from '../context.js';
import { checkImageCount, parseTopK } from '../params.js';
import { defaultModelName, parseName, withModel } from './common.js';

interface ClassifyQuery {
  model?: string;
  version?: string;
  topK?: string;
}
/** An image as sent: bytes, or base64 decoded only once the count is known to be within the limits. */
interface NamedImage {
  name?: string;
  bytes?: Uint8Array;
  base64?: string;
  field?: string;
}

/**
 * POST /v1/images/classify — top-k ImageNet classes for one or more images,
 * sent as a raw body (image/jpeg, image/png, …, application/octet-stream),
 * as multipart/form-data files, or as JSON `{"image": b64}` / `{"images": [b64, …]}`.
 * `model`, `version` and `topK` come from the query string (or the JSON body).
 */
export function registerImageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Querystring: ClassifyQuery }>(
    '/v1/images/classify',
    {
      schema: {
        tags: ['images'],
        summary: 'Classify images (raw body, multipart files, or JSON base64)',
        querystring: {
          type: 'object',
          properties: {
            model: { type: 'string', description: 'Model name (default "resnet152").' },
            version: { type: 'string' },
            topK: { type: 'string', description: 'Classes per image (default 5; "all" = every class).' },
          },
        },
      },
    },
    async (request) => {
      const { images, fields } = await timed(request.timings, 'decode', () => readImages(request));
      const q = request.query;
      const name = parseName(fields.model ?? q.model, 'model') ?? defaultModelName(ctx, 'resnet152');
      const version = parseName(fields.version ?? q.version, 'version');
      return withModel(ctx, request, name, version, isImageClassifier, 'an image-classifier model', async (model) => {
        checkImageCount(images.length, ctx.config, model);
        const topK = parseTopK(fields.topK ?? q.topK, model.defaultTopK, model.classCount, ctx.config.maxTopK);
        const bytes = await timed(request.timings, 'decode', () => images.map((i) => i.bytes ?? decodeBase64Image(i.base64!, i.field!)));
        const predictions = await model.classify(bytes, { topK, signal: request.abortSignal, timings: request.timings });
        return {
          model: model.name,
          version: model.version,
          results: predictions.map((p, i) => ({ ...(images[i]!.name ? { name: images[i]!.name } : {}), predictions: p.map(toPrediction) })),
        };
      });
    },
  );
}

function toPrediction(p: ImagePrediction) {
  return { index: p.index, ...(p.wnid ? { wnid: p.wnid } : {}), label: p.label, probability: p.probability };
}

async function readImages(request: FastifyRequest): Promise<{ images: NamedImage[]; fields: Record<string, unknown> }> {
  const body = request.body;
  if (request.isMultipart()) {
    const images: NamedImage[] = [];
    const fields: Record<string, unknown> = {};
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const bytes = await part.toBuffer();
          if (bytes.length > 0) images.push({ name: part.filename, bytes });
        } else if (['model', 'version', 'topK'].includes(part.fieldname)) {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('FST_') && /LIMIT|TOO_LARGE|FILES/.test(code)) {
        throw rtsError('PAYLOAD_TOO_LARGE', `multipart body over a limit: ${(err as Error).message}`);
      }
      throw rtsError('INVALID_INPUT', `bad multipart body: ${(err as Error).message}`);
    }
    return { images, fields };
  }
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw rtsError('INVALID_INPUT', 'the request body is empty: send the image bytes');
    return { images: [{ bytes: body }], fields: {} };
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const json = body as Record<string, unknown>;
    const fields = { model: json.model, version: json.version, topK: json.topK };
    if (json.image !== undefined && json.images !== undefined) throw rtsError('INVALID_INPUT', 'send either "image" or "images", not both');
    if (typeof json.image === 'string') return { images: [{ base64: json.image, field: 'image' }], fields };
    if (Array.isArray(json.images)) {
      return {
        images: json.images.map((v, i) => {
          if (typeof v !== 'string') throw rtsError('INVALID_INPUT', `images[${i}] must be a base64 string`);
          return { base64: v, field: `images[${i}]` };
        }),
        fields,
      };
    }
    throw rtsError('INVALID_INPUT', 'the JSON body needs "image" (base64 string) or "images" (array of base64 strings)');
  }
  throw rtsError('UNSUPPORTED_MEDIA_TYPE', 'send an image body (image/jpeg, image/png, image/webp, image/gif, image/tiff), multipart/form-data, or JSON');
}
