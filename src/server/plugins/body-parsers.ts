import compress from '@fastify/compress';
import multipart from '@fastify/multipart';
import { errorCodes } from 'fastify';
import fp from 'fastify-plugin';
import { rtsError } from '../../core/errors.js';
import { quote } from '../../core/quote.js';
import type { ServerContext } from '../context.js';
import { parseJsonText } from '../json.js';

/**
 * How request bodies are read: JSON (nesting bounded, see ../json.ts), multipart files, raw image and
 * octet-stream bodies as Buffers, each within the body limit, and compressed
 * bodies decoded first. A text/plain body is 415, not a string.
 */
export const bodyParsers = fp<{ ctx: ServerContext }>(
  async (app, { ctx }) => {
    const { config } = ctx;
    await app.register(multipart, {
      limits: {
        fileSize: config.bodyLimitBytes,
        files: config.maxImagesPerRequest,
        fields: 16,
        fieldSize: 64 * 1024,
        parts: config.maxImagesPerRequest + 16,
        headerPairs: 200,
      },
    });

    // Compressed request bodies (Content-Encoding gzip, deflate, br) are decoded
    // before parsing, so the body limit counts decoded bytes (a gzip bomb is a
    // 413, not a memory spike). Answers are compressed only when the client asks
    // and they are worth it (1 KiB or more).
    await app.register(compress, {
      globalCompression: config.compressResponses,
      globalDecompression: true,
      encodings: ['br', 'gzip', 'deflate'],
      requestEncodings: ['br', 'gzip', 'deflate', 'identity'],
      threshold: 1024,
      onUnsupportedRequestEncoding: (encoding) =>
        rtsError('UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Encoding ${quote(encoding)} (use gzip, deflate, br or identity)`),
    });
    // multipart reads the raw socket stream, bypassing the decoder above.
    app.addHook('onRequest', async (request) => {
      const encoding = request.headers['content-encoding'];
      if (encoding && encoding !== 'identity' && /^multipart\//i.test(request.headers['content-type'] ?? '')) {
        throw rtsError(
          'UNSUPPORTED_MEDIA_TYPE',
          'a multipart body cannot be sent with a Content-Encoding; send the images uncompressed (they are compressed already) or as a raw image body',
        );
      }
    });

    app.removeContentTypeParser(['text/plain', 'application/json']);
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: config.bodyLimitBytes }, (_req, body, done) => {
      if (body.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
      try {
        done(null, parseJsonText(body as string, 'the body'));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    // Raw image bodies (and OIP binary bodies) arrive as Buffers.
    const asBuffer = (_req: unknown, body: string | Buffer, done: (err: null, body: Buffer) => void) => done(null, body as Buffer);
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, asBuffer);
    app.addContentTypeParser(/^image\/[a-z0-9.+-]+$/i, { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, asBuffer);
  },
  { name: 'rtscore-body-parsers' },
);
