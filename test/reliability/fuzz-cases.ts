import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { RawRequest } from '../helpers/raw-http.js';
import { forgedPng } from '../tasks/vision/forged-png.js';

/**
 * Generators of bad requests for the fuzzing suite, one family per kind of
 * abuse: JSON of every wrong type, depth and size; OIP tensors with lying
 * shapes, datatypes and binary lengths; base64 and image garbage; header and
 * URL abuse; compressed bodies. `samples` gives real encoded images to mangle.
 */
export interface Samples {
  png: Buffer;
  jpeg: Buffer;
}

const TEXT_MODELS = ['faq', 'banking77'];
const IMAGE_MODELS = ['resnet152'];
const MODEL_NAMES = fc.oneof(
  fc.constantFrom(...TEXT_MODELS, ...IMAGE_MODELS),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom('nope', 'x'.repeat(300), '..', '%2e%2e', 'faq%00', '%zz', 'a/b'),
);
const JSON_ROUTES = ['/v1/faq/match', '/score', '/models/faq/score', '/models/resnet152/score', '/v1/images/classify', '/v2/repository/index'];

/** Any JSON value at all, including deep and odd ones. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', ' ', '\u0000', '\ud800', 'all', '0', '-5', '1e3', [], {}, [[]], { __proto__: 1 }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.string({ maxLength: 30 }), { maxLength: 40 }),
);

/** Nesting `depth` levels deep, as array or object. */
function deep(depth: number, object: boolean): string {
  return object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function json(path: string, body: string | Buffer, extra: [string, string][] = []): RawRequest {
  return { method: 'POST', path, headers: [['Content-Type', 'application/json'], ...extra], body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
}

/** JSON of every wrong type, depth and size, to every JSON route. */
export const jsonAbuse: fc.Arbitrary<RawRequest> = fc.oneof(
  fc.tuple(fc.constantFrom(...JSON_ROUTES), anyJson).map(([p, v]) => json(p, JSON.stringify(v) ?? 'null')),
  fc
    .tuple(
      fc.constantFrom(...JSON_ROUTES),
      fc.record(
        {
          question: anyJson,
          questions: anyJson,
          topK: anyJson,
          model: anyJson,
          version: anyJson,
          input: anyJson,
          image: anyJson,
          images: anyJson,
          ready: anyJson,
        },
        { requiredKeys: [] },
      ),
    )
    .map(([p, v]) => json(p, JSON.stringify(v))),
  fc.tuple(fc.constantFrom(...JSON_ROUTES), fc.integer({ min: 2, max: 20_000 }), fc.boolean()).map(([p, d, o]) => json(p, deep(d, o))),
  fc
    .tuple(fc.constantFrom('/v1/faq/match', '/score'), fc.integer({ min: 1, max: 1_500_000 }))
    .map(([p, n]) => json(p, JSON.stringify(p === '/score' ? { input: 'a'.repeat(n) } : { question: 'card '.repeat(Math.ceil(n / 5)) }))),
  fc.integer({ min: 257, max: 20_000 }).map((n) => json('/v1/faq/match', JSON.stringify({ questions: Array.from({ length: n }, (_, i) => `q${i}`) }))),
  fc.tuple(fc.constantFrom(...JSON_ROUTES), fc.string({ unit: 'binary', maxLength: 300 })).map(([p, s]) => json(p, s)),
  fc.tuple(fc.constantFrom(...JSON_ROUTES), fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([p, v, cut]) => {
    const text = JSON.stringify({ question: v, input: v });
    return json(p, text.slice(0, cut % Math.max(1, text.length)));
  }),
);

const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
  'BF16',
  'STRING',
  'fp32',
  '',
];
const shape = fc.oneof(
  fc.array(fc.integer({ min: -3, max: 5 }), { maxLength: 5 }),
  fc.array(fc.constantFrom(0, 1, 3, 224, 2 ** 31, 2 ** 53, -1, 1.5, Number.MAX_SAFE_INTEGER), { maxLength: 5 }),
  anyJson,
);
const tensor = fc.record(
  {
    name: fc.oneof(fc.constantFrom('text', 'image', 'input', 'probabilities', 'logits'), fc.string({ maxLength: 300 })),
    datatype: fc.oneof(fc.constantFrom(...DATATYPES), anyJson),
    shape,
    data: fc.oneof(
      anyJson,
      fc.array(fc.double(), { maxLength: 50 }),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 50 }),
      fc.array(fc.array(fc.integer(), { maxLength: 5 }), { maxLength: 5 }),
    ),
    parameters: fc.oneof(fc.constant(undefined), fc.record({ binary_data_size: anyJson, content_type: anyJson }, { requiredKeys: [] }), anyJson),
  },
  { requiredKeys: ['name'] },
);
const inferPath = fc
  .tuple(MODEL_NAMES, fc.constantFrom('', '/versions/1', '/versions/99', '/versions/x'))
  .map(([m, v]) => `/v2/models/${encodeURIComponent(m)}${v}/infer`);
const inferBody = fc.record(
  {
    id: anyJson,
    inputs: fc.oneof(fc.array(tensor, { maxLength: 3 }), anyJson),
    outputs: fc.oneof(fc.array(fc.record({ name: anyJson, parameters: anyJson }, { requiredKeys: [] }), { maxLength: 3 }), anyJson),
    parameters: fc.oneof(fc.record({ binary_data_output: anyJson }, { requiredKeys: [] }), anyJson),
  },
  { requiredKeys: [] },
);

/** OIP requests with lying shapes, datatypes and binary lengths. */
export const oipAbuse: fc.Arbitrary<RawRequest> = fc.oneof(
  fc.tuple(inferPath, inferBody).map(([p, b]) => json(p, JSON.stringify(b))),
  fc
    .tuple(
      inferPath,
      inferBody,
      fc.uint8Array({ maxLength: 2000 }),
      fc.oneof(fc.constant('exact'), fc.integer({ min: -10, max: 1e7 }).map(String), fc.constantFrom('', 'abc', '1e3', '-0', '0x10')),
    )
    .map(([p, b, bin, lie]) => {
      const header = Buffer.from(JSON.stringify(b), 'utf8');
      const length = lie === 'exact' ? String(header.length) : lie;
      return {
        method: 'POST',
        path: p,
        headers: [
          ['Content-Type', 'application/octet-stream'],
          ['Inference-Header-Content-Length', length],
        ] as [string, string][],
        body: Buffer.concat([header, Buffer.from(bin)]),
      };
    }),
  fc
    .tuple(
      fc.constantFrom('faq', 'resnet152'),
      fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 257, max: 60_000 })),
      fc.constantFrom('text', 'image'),
    )
    .map(([m, n, name]) =>
      json(
        `/v2/models/${m}/infer`,
        JSON.stringify({
          inputs: [{ name, datatype: 'BYTES', shape: [n], data: Array.from({ length: n }, (_, i) => (name === 'text' ? `question ${i}` : 'aGVsbG8=')) }],
        }),
      ),
    ),
  fc.tuple(MODEL_NAMES, fc.constantFrom('ready', 'config', 'stats', '', 'versions/1', 'versions/1/ready')).map(([m, rest]) => ({
    method: 'GET',
    path: `/v2/models/${m}/${rest}`,
    headers: [],
    body: Buffer.alloc(0),
  })),
);

/** Image bytes that are not what they claim, in every way the routes accept images. */
export function imageAbuse(samples: Samples): fc.Arbitrary<RawRequest> {
  const mangled = fc.oneof(
    fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.constantFrom(samples.png, samples.jpeg), fc.nat()).map(([b, n]) => b.subarray(0, n % b.length)),
    fc
      .tuple(fc.constantFrom(samples.png, samples.jpeg), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }))
      .map(([b, flips]) => {
        const copy = Buffer.from(b);
        for (const [at, v] of flips) copy[at % copy.length] = v;
        return copy;
      }),
    fc.tuple(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })).map(([w, h]) => forgedPng(w, h)),
    fc
      .tuple(
        fc.constantFrom(
          [0xff, 0xd8, 0xff],
          [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
          [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
          [0x49, 0x49, 0x2a, 0x00],
          [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
        ),
        fc.uint8Array({ maxLength: 500 }),
      )
      .map(([magic, rest]) => Buffer.concat([Buffer.from(magic), Buffer.from(rest)])),
  );
  const contentType = fc.constantFrom(
    'image/png',
    'image/jpeg',
    'image/gif',
    'image/webp',
    'image/tiff',
    'image/svg+xml',
    'application/octet-stream',
    'image/x-foo',
  );
  const base64ish = fc.oneof(
    mangled.map((b) => b.toString('base64')),
    fc.string({ maxLength: 200 }),
    fc.base64String({ maxLength: 400 }),
    mangled.map((b) => `data:image/png;base64,${b.toString('base64')}`),
  );
  return fc.oneof(
    fc
      .tuple(contentType, mangled, fc.constantFrom('', '?topK=3', '?topK=all', '?topK=-1', '?topK=1e9', '?model=nope', '?model=faq', '?topK=2&topK=3'))
      .map(([t, b, q]) => ({
        method: 'POST',
        path: `/v1/images/classify${q}`,
        headers: [['Content-Type', t]] as [string, string][],
        body: b,
      })),
    fc
      .tuple(base64ish, fc.array(base64ish, { maxLength: 40 }))
      .map(([one, many]) => json('/v1/images/classify', JSON.stringify(many.length % 2 ? { images: many } : { image: one }))),
    fc.dictionary(fc.string({ maxLength: 10 }), base64ish, { maxKeys: 40 }).map((input) => json('/score', JSON.stringify({ input }))),
    fc.tuple(fc.array(fc.tuple(fc.string({ maxLength: 20 }), mangled), { maxLength: 6 }), fc.boolean()).map(([parts, truncate]) => {
      const boundary = 'fuzzboundary';
      const body = Buffer.concat([
        ...parts.map(([name, b]) =>
          Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="x"\r\nContent-Type: image/png\r\n\r\n`, 'latin1'),
            b,
            Buffer.from('\r\n'),
          ]),
        ),
        Buffer.from(truncate ? `--${boundary}` : `--${boundary}--\r\n`),
      ]);
      return {
        method: 'POST',
        path: '/v1/images/classify',
        headers: [['Content-Type', `multipart/form-data; boundary=${boundary}`]] as [string, string][],
        body,
      };
    }),
  );
}

const anyRoute = fc.constantFrom(
  '/',
  '/healthz',
  '/readyz',
  '/version',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/v1/faq/match',
  '/score',
  '/v1/images/classify',
  '/v2',
  '/v2/models',
  '/v2/models/faq',
  '/v2/models/faq/ready',
  '/v2/health/ready',
  '/v2/repository/index',
  '/v2/models/faq/infer',
);
const abusivePath = fc.oneof(
  anyRoute,
  fc.tuple(anyRoute, fc.string({ unit: 'binary-ascii', maxLength: 60 })).map(([r, s]) => `${r}?${encodeURI(s)}`),
  fc.constantFrom(
    '/v2/models/%zz/ready',
    '/v2/models/%00/ready',
    '/v1/faq/%',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/v2/models/../../ready',
    '//v2//models',
    '*',
    'http://evil/v2',
    '/v2/models/a%2Fb/ready',
    '/\u00e9',
  ),
  fc.integer({ min: 100, max: 6000 }).map((n) => `/v2/models/${'x'.repeat(n)}/ready`),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `/v2/models/${encodeURIComponent(s)}/ready`),
);
const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/);
const headerValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ' ')),
  fc.constantFrom('\u0000', 'a\u0000b', '\u007f', 'é'),
);

/** Header and URL abuse: odd methods and paths, control bytes, oversized headers, broken framing. */
export const protocolAbuse: fc.Arbitrary<RawRequest | Buffer> = fc.oneof(
  fc
    .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO', 'get', 'PROPFIND'), abusivePath)
    .map(([m, p]) => ({ method: m, path: p, headers: [], body: Buffer.alloc(0) })),
  fc.tuple(abusivePath, fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 })).map(([p, h]) => ({
    method: 'POST',
    path: p,
    headers: [['Content-Type', 'application/json'], ...h] as [string, string][],
    body: Buffer.from('{"question":"card"}'),
  })),
  fc
    .integer({ min: 16_000, max: 70_000 })
    .map((n) => ({ method: 'GET', path: '/healthz', headers: [['X-Big', 'a'.repeat(n)]] as [string, string][], body: Buffer.alloc(0) })),
  fc
    .constantFrom<[string, string][]>(
      [['Expect', '999']],
      [['Expect', '100-continue']],
      [
        ['Content-Length', '5'],
        ['Content-Length', '6'],
      ],
      [['Content-Length', '-1']],
      [['Content-Length', 'abc']],
      [
        ['Transfer-Encoding', 'chunked'],
        ['Content-Length', '19'],
      ],
      [['Transfer-Encoding', 'gzip, chunked']],
      [['Content-Type', 'application/json; charset=ebcdic']],
      [['Content-Type', '']],
      [['Content-Type', 'text/plain']],
      [['Authorization', 'Bearer \u0001']],
    )
    .chain((h) =>
      fc.constantFrom('/v1/faq/match', '/v2/models/faq/infer', '/score').map((p) => ({
        method: 'POST',
        path: p,
        headers: [['Content-Type', 'application/json'], ...h] as [string, string][],
        body: Buffer.from('{"question":"card"}'),
      })),
    ),
  fc.constantFrom('/v1/faq/match', '/v2/repository/index').map((p) => ({
    method: 'POST',
    path: p,
    headers: [['Content-Type', 'application/json']] as [string, string][],
    body: Buffer.from('{"question":"card"}'),
    noHost: true,
  })),
  fc
    .tuple(
      fc.constantFrom('/v1/faq/match', '/v2/models/faq/infer'),
      fc.constantFrom('zz\r\n{}\r\n0\r\n\r\n', '5\r\n{"a"\r\n0\r\n\r\n', '3\r\nabcdef\r\n0\r\n\r\n', '-1\r\n\r\n', 'ffffffffffffffffff\r\nx\r\n0\r\n\r\n'),
    )
    .map(([p, chunks]) => ({
      method: 'POST',
      path: p,
      headers: [
        ['Content-Type', 'application/json'],
        ['Transfer-Encoding', 'chunked'],
      ] as [string, string][],
      body: Buffer.from(chunks, 'latin1'),
    })),
  // Garbage then a blank line. Only blank lines are no request at all: a server
  // ignores empty lines before a request line (RFC 9112 §2.2) and waits for one
  // (the headers timeout answers 408 later), so those are left out.
  fc
    .uint8Array({ minLength: 1, maxLength: 300 })
    .filter((b) => b.some((x) => x !== 0x0a && x !== 0x0d))
    .map((b) => Buffer.concat([Buffer.from(b), Buffer.from('\r\n\r\n')])),
  fc
    .constantFrom(
      'GET / HTTP/9.9\r\n\r\n',
      'GET /healthz\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\nConnection: close\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: a\r\n bad-fold\r\nConnection: close\r\n\r\n',
      'POST /v1/faq/match HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}{}{}',
    )
    .map((s) => Buffer.from(s, 'latin1')),
);

/** Compressed bodies: valid, corrupt, mislabelled and bombs (the body limit counts decoded bytes). */
export const compressionAbuse: fc.Arbitrary<RawRequest> = fc
  .tuple(
    fc.constantFrom('/v1/faq/match', '/score', '/v2/models/faq/infer', '/v1/images/classify'),
    fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity', 'gzip, gzip', 'GZIP', 'x-gzip'),
    fc.oneof(
      fc.constant('valid'),
      fc.constant('corrupt'),
      fc.constant('wrong'),
      fc.integer({ min: 1, max: 8 }).map((mb) => `bomb:${mb}`),
    ),
  )
  .map(([path, encoding, kind]) => {
    const plain = Buffer.from(
      path.startsWith('/v2')
        ? '{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["card"]}]}'
        : path === '/score'
          ? '{"input":"card"}'
          : '{"question":"card"}',
    );
    const enc = (b: Buffer, e: string) => (e.startsWith('br') ? brotliCompressSync(b) : e === 'deflate' ? deflateSync(b) : gzipSync(b));
    let body: Buffer;
    if (kind === 'valid') body = enc(plain, encoding.toLowerCase());
    else if (kind === 'corrupt') body = Buffer.concat([enc(plain, encoding.toLowerCase()).subarray(0, 12), Buffer.from('garbage')]);
    else if (kind === 'wrong') body = enc(plain, encoding === 'br' ? 'gzip' : 'br');
    else
      body = enc(
        Buffer.concat([Buffer.from('{"question":"'), Buffer.alloc(Number(kind.slice(5)) * 1024 * 1024, 0x61), Buffer.from('"}')]),
        encoding.toLowerCase(),
      );
    return json(path, body, [['Content-Encoding', encoding]]);
  });

export function allAbuse(samples: Samples): fc.Arbitrary<RawRequest | Buffer> {
  return fc.oneof(
    { arbitrary: jsonAbuse, weight: 3 },
    { arbitrary: oipAbuse, weight: 3 },
    { arbitrary: imageAbuse(samples), weight: 3 },
    { arbitrary: protocolAbuse, weight: 3 },
    { arbitrary: compressionAbuse, weight: 1 },
  );
}
