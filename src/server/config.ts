import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { rtsError } from '../core/errors.js';
import { parseOrThrow } from '../core/parse.js';

/**
 * The server configuration, in one place. Sources, later ones winning:
 * built-in defaults < JSON config file (`--config` / RTSCORE_CONFIG) <
 * environment variables (RTSCORE_*) < command-line flags.
 * Every option, its default and its variable are listed in OPTIONS below
 * (and in the README); a wrong value stops start-up with a message naming it.
 */
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v))]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.union([
  z.array(z.string()),
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
]);

export const configSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: int(0, 65535).default(8080),
    modelsDir: z.string().min(1).default('models'),
    models: list.default([]),
    buildMissing: bool.default(true),
    onModelFailure: z.enum(['fail', 'serve-others']).default('fail'),
    workers: int(1, 64).default(1),
    instanceId: z.string().min(1).max(200).default(hostname()),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    logPayloads: bool.default(false),
    logPayloadMaxBytes: int(0, 1_000_000).default(512),
    apiKeys: list.default([]),
    apiKeysFile: z.string().optional(),
    adminApiKeys: list.default([]),
    adminApiKeysFile: z.string().optional(),
    authOpenHealth: bool.default(true),
    authOpenMetrics: bool.default(true),
    authOpenDocs: bool.default(true),
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    bodyLimitBytes: int(1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
    maxHeaderBytes: int(1024, 1024 * 1024).default(16 * 1024),
    requestTimeoutMs: int(0, 3_600_000).default(30_000),
    keepAliveTimeoutMs: int(0, 3_600_000).default(65_000),
    maxQuestionChars: int(1, 10_000_000).default(5_000),
    maxQuestionsPerRequest: int(1, 100_000).default(256),
    maxImagesPerRequest: int(1, 10_000).default(32),
    maxImagePixels: int(1, 1_000_000_000).default(40_000_000),
    maxTopK: int(1, 1_000_000).default(1000),
    compressResponses: bool.default(true),
    corsOrigins: list.default([]),
    rateLimitPerMinute: int(0, 10_000_000).default(0),
    shutdownGraceMs: int(0, 3_600_000).default(25_000),
    shutdownDelayMs: int(0, 600_000).default(0),
    executionProvider: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
    onnxThreads: int(1, 256).default(2),
    docs: bool.default(true),
    web: bool.default(true),
    otlpTracesEndpoint: z.string().url().optional(),
  })
  .strict();

export type RtsConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof RtsConfig;

/** Each option's environment variable and documentation (the README table is generated from this). */
export const OPTIONS: Record<ConfigKey, { env: string; doc: string }> = {
  host: { env: 'RTSCORE_HOST', doc: 'Address to listen on.' },
  port: { env: 'RTSCORE_PORT', doc: 'Port to listen on (0 = any free port).' },
  modelsDir: { env: 'RTSCORE_MODELS_DIR', doc: 'The model repository folder.' },
  models: { env: 'RTSCORE_MODELS', doc: 'Comma-separated model names to load (empty = every model in the repository).' },
  buildMissing: { env: 'RTSCORE_BUILD_MISSING', doc: 'Build a model that has no version yet from shipped data (train the FAQ models, generate the ResNet).' },
  onModelFailure: { env: 'RTSCORE_ON_MODEL_FAILURE', doc: '`fail`: a model that fails to load stops the server; `serve-others`: log it and serve the rest.' },
  workers: { env: 'RTSCORE_WORKERS', doc: 'Server processes sharing the port (each loads the models).' },
  instanceId: { env: 'RTSCORE_INSTANCE_ID', doc: 'Name of this replica, sent back in the `X-Rtscore-Instance` header (default: host name).' },
  logLevel: { env: 'RTSCORE_LOG_LEVEL', doc: 'Log level: fatal, error, warn, info, debug, trace, silent.' },
  logPayloads: { env: 'RTSCORE_LOG_PAYLOADS', doc: 'At debug level, log request payloads (size-capped, never at info).' },
  logPayloadMaxBytes: { env: 'RTSCORE_LOG_PAYLOAD_MAX_BYTES', doc: 'Cap on a logged payload.' },
  apiKeys: { env: 'RTSCORE_API_KEYS', doc: 'Comma-separated API keys; authentication is on whenever a key is configured.' },
  apiKeysFile: { env: 'RTSCORE_API_KEYS_FILE', doc: 'File with one API key per line (e.g. a mounted Kubernetes Secret); re-read on SIGHUP.' },
  adminApiKeys: { env: 'RTSCORE_ADMIN_API_KEYS', doc: 'Keys allowed to load/unload models (repository API). Without any, every valid key may.' },
  adminApiKeysFile: { env: 'RTSCORE_ADMIN_API_KEYS_FILE', doc: 'File with one admin key per line.' },
  authOpenHealth: {
    env: 'RTSCORE_AUTH_OPEN_HEALTH',
    doc: 'Server health and readiness (`/healthz`, `/readyz`, `/v2/health/*`) need no key; per-model readiness (`/v2/models/{name}/ready`) needs one like the rest of `/v2/models`.',
  },
  authOpenMetrics: { env: 'RTSCORE_AUTH_OPEN_METRICS', doc: '`/metrics` needs no key.' },
  authOpenDocs: { env: 'RTSCORE_AUTH_OPEN_DOCS', doc: '`/docs`, `/openapi.json` and the demo page need no key.' },
  tlsCert: { env: 'RTSCORE_TLS_CERT', doc: 'PEM certificate (chain) file: serve HTTPS.' },
  tlsKey: { env: 'RTSCORE_TLS_KEY', doc: 'PEM private key file for `tlsCert`.' },
  bodyLimitBytes: { env: 'RTSCORE_BODY_LIMIT_BYTES', doc: 'Largest request body; larger → 413.' },
  maxHeaderBytes: { env: 'RTSCORE_MAX_HEADER_BYTES', doc: 'Largest request header block; larger → 431.' },
  requestTimeoutMs: {
    env: 'RTSCORE_REQUEST_TIMEOUT_MS',
    doc: 'Time allowed to receive a request (headers and body) and for its connection to stay silent while it is answered; past it → 408 (0 = none).',
  },
  keepAliveTimeoutMs: { env: 'RTSCORE_KEEP_ALIVE_TIMEOUT_MS', doc: "Idle keep-alive connection timeout (keep above your load balancer's)." },
  maxQuestionChars: { env: 'RTSCORE_MAX_QUESTION_CHARS', doc: 'Longest FAQ question accepted; longer → 413.' },
  maxQuestionsPerRequest: { env: 'RTSCORE_MAX_QUESTIONS_PER_REQUEST', doc: 'Most questions in one batch request.' },
  maxImagesPerRequest: { env: 'RTSCORE_MAX_IMAGES_PER_REQUEST', doc: 'Most images in one request.' },
  maxImagePixels: { env: 'RTSCORE_MAX_IMAGE_PIXELS', doc: 'Largest decoded image in pixels (decompression-bomb guard); larger → 413.' },
  maxTopK: { env: 'RTSCORE_MAX_TOP_K', doc: 'Largest `topK` a request may ask for.' },
  compressResponses: {
    env: 'RTSCORE_COMPRESS_RESPONSES',
    doc: "Compress answers of 1 KiB or more (br, gzip or deflate) when the client's `Accept-Encoding` asks. Request bodies sent with `Content-Encoding` gzip, deflate or br are decoded either way (the body limit applies to the decoded size).",
  },
  corsOrigins: { env: 'RTSCORE_CORS_ORIGINS', doc: 'Comma-separated origins allowed by CORS (empty = CORS off; `*` = any).' },
  rateLimitPerMinute: {
    env: 'RTSCORE_RATE_LIMIT_PER_MINUTE',
    doc: 'Requests per minute per API key (or client address without auth); 0 = no limit; over → 429.',
  },
  shutdownGraceMs: { env: 'RTSCORE_SHUTDOWN_GRACE_MS', doc: 'On SIGTERM/SIGINT, time allowed for in-flight requests before exiting anyway.' },
  shutdownDelayMs: {
    env: 'RTSCORE_SHUTDOWN_DELAY_MS',
    doc: 'On SIGTERM, keep serving (readiness already false) this long before closing the listener, so load balancers notice.',
  },
  executionProvider: { env: 'RTSCORE_EXECUTION_PROVIDER', doc: 'ONNX Runtime provider unless a model says otherwise: cpu, cuda, auto (cuda, else cpu).' },
  onnxThreads: { env: 'RTSCORE_ONNX_THREADS', doc: 'ONNX Runtime intra-op threads per session unless a model says otherwise.' },
  docs: { env: 'RTSCORE_DOCS', doc: 'Serve the OpenAPI document (`/openapi.json`) and the interactive page `/docs`.' },
  web: { env: 'RTSCORE_WEB', doc: 'Serve the demo page at `/`.' },
  otlpTracesEndpoint: {
    env: 'RTSCORE_OTLP_TRACES_ENDPOINT',
    doc: 'OpenTelemetry tracing, off when unset: OTLP/HTTP traces URL (e.g. `http://otel-collector:4318/v1/traces`) receiving a span per request (continuing a W3C `traceparent`) with its decode, preprocess, queue, inference and postprocess phases.',
  },
};

export type ConfigInput = Partial<Record<ConfigKey, unknown>>;

/**
 * Build the validated configuration from a config file, the environment and
 * flags (each optional). Throws RtsError CONFIG naming the bad option.
 */
export function loadConfig(sources: { file?: string; env?: NodeJS.ProcessEnv; flags?: ConfigInput } = {}): RtsConfig {
  const env = sources.env ?? {};
  const merged: Record<string, unknown> = {};
  const file = sources.file ?? env.RTSCORE_CONFIG;
  if (file) {
    let fromFile: unknown;
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw rtsError('CONFIG', `config file ${file}: ${(err as Error).message}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw rtsError('CONFIG', `config file ${file}: must hold a JSON object`);
    }
    Object.assign(merged, fromFile);
  }
  for (const [key, { env: name }] of Object.entries(OPTIONS)) {
    const value = env[name];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) merged[key] = value;
  }
  // Each issue names the setting and its environment variable.
  const config = parseOrThrow(configSchema, merged, 'CONFIG', 'invalid configuration', (issue) => {
    const key = String(issue.path[0] ?? '');
    const where = key in OPTIONS ? `${key} (${OPTIONS[key as ConfigKey].env})` : key || '(config)';
    return `${where}: ${issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : issue.message}`;
  });
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw rtsError('CONFIG', 'invalid configuration: tlsCert (RTSCORE_TLS_CERT) and tlsKey (RTSCORE_TLS_KEY) must be given together');
  }
  return config;
}

/** Read a key file: one key per line, blank lines and `#` comments ignored. */
export function readKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw rtsError('CONFIG', `API key file ${path}: ${(err as Error).message}`);
  }
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // A named key file without a key would silently turn authentication (or the
  // admin-only guard of repository control) off: refuse it instead.
  if (keys.length === 0) throw rtsError('CONFIG', `API key file ${path} holds no key (one key per line)`);
  return keys;
}
