import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImagePrediction } from '../../core/capabilities.js';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { decodeBase64Image } from '../base64.js';
import { isImageClassifier } from '../../core/capabilities.js';
import { defaultModelName, parseName, parseTopK, withModel } from './common.js';

interface ClassifyQuery { model?: string; version?: string; topK?: string }
interface NamedImage { name?: string; bytes: Uint8Array }

/**
 * POST /v1/images/classify — top-k ImageNet classes for one or more images,
 * sent as a raw body (image/jpeg, image/png, …, application/octet-stream),
 * as multipart/form-data files, or as JSON `{"image": b64}` / `{"images": [b64, …]}`.
 * `model`, `version` and `topK` come from the query string (or the JSON body).
 */
export function registerImageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Querystring: ClassifyQuery }>('/v1/images/classify', {
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
  }, async (request) => {
    const { images, fields } = await readImages(request, ctx);
    if (images.length === 0) throw rtsError('INVALID_INPUT', 'no image in the request');
    if (images.length > ctx.config.maxImagesPerRequest) {
      throw rtsError('PAYLOAD_TOO_LARGE', `at most ${ctx.config.maxImagesPerRequest} images per request (got ${images.length})`);
    }
    const q = request.query;
    const name = parseName(fields.model ?? q.model, 'model') ?? defaultModelName(ctx, 'resnet152');
    const version = parseName(fields.version ?? q.version, 'version');
    return withModel(ctx, request, name, version, isImageClassifier, 'an image-classifier model', async (model) => {
      const topK = parseTopK(fields.topK ?? q.topK, model.defaultTopK, model.classCount, ctx.config.maxTopK);
      const predictions = await model.classify(images.map((i) => i.bytes), { topK, signal: request.abortSignal });
      return {
        model: model.name,
        version: model.version,
        results: predictions.map((p, i) => ({ ...(images[i]!.name ? { name: images[i]!.name } : {}), predictions: p.map(toPrediction) })),
      };
    });
  });
}

function toPrediction(p: ImagePrediction) {
  return { index: p.index, ...(p.wnid ? { wnid: p.wnid } : {}), label: p.label, probability: p.probability };
}

async function readImages(request: FastifyRequest, ctx: ServerContext): Promise<{ images: NamedImage[]; fields: Record<string, unknown> }> {
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
    if (typeof json.image === 'string') return { images: [{ bytes: decodeBase64Image(json.image, 'image') }], fields };
    if (Array.isArray(json.images)) {
      if (json.images.length > ctx.config.maxImagesPerRequest) {
        throw rtsError('PAYLOAD_TOO_LARGE', `at most ${ctx.config.maxImagesPerRequest} images per request (got ${json.images.length})`);
      }
      return {
        images: json.images.map((v, i) => {
          if (typeof v !== 'string') throw rtsError('INVALID_INPUT', `images[${i}] must be a base64 string`);
          return { bytes: decodeBase64Image(v, `images[${i}]`) };
        }),
        fields,
      };
    }
    throw rtsError('INVALID_INPUT', 'the JSON body needs "image" (base64 string) or "images" (array of base64 strings)');
  }
  throw rtsError('UNSUPPORTED_MEDIA_TYPE', 'send an image body (image/jpeg, image/png, image/webp, image/gif, image/tiff), multipart/form-data, or JSON');
}
