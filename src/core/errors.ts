/**
 * One error type for the whole of rtscore. It is thrown wherever a problem is
 * found (core, backends, tasks) and mapped once, at the HTTP edge, to a status
 * and the JSON body `{"error": {"code", "message"}}`.
 */
export interface RtsErrorOptions {
  /** Extra, machine-readable facts (expected shape, limit, …). Never secrets. */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (sets `Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class RtsError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(code: string, statusCode: number, message: string, options: RtsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RtsError';
    this.code = code;
    this.statusCode = statusCode;
    if (options.details !== undefined) this.details = options.details;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The catalogue: every code rtscore uses, with its HTTP status. */
export const ErrorCodes = {
  INVALID_INPUT: ['RTS_ERR_INVALID_INPUT', 400],
  INVALID_JSON: ['RTS_ERR_INVALID_JSON', 400],
  BAD_IMAGE: ['RTS_ERR_BAD_IMAGE', 400],
  UNAUTHORIZED: ['RTS_ERR_UNAUTHORIZED', 401],
  FORBIDDEN: ['RTS_ERR_FORBIDDEN', 403],
  NOT_FOUND: ['RTS_ERR_NOT_FOUND', 404],
  MODEL_NOT_FOUND: ['RTS_ERR_MODEL_NOT_FOUND', 404],
  VERSION_NOT_FOUND: ['RTS_ERR_VERSION_NOT_FOUND', 404],
  METHOD_NOT_ALLOWED: ['RTS_ERR_METHOD_NOT_ALLOWED', 405],
  TIMEOUT: ['RTS_ERR_TIMEOUT', 408],
  PAYLOAD_TOO_LARGE: ['RTS_ERR_PAYLOAD_TOO_LARGE', 413],
  URI_TOO_LONG: ['RTS_ERR_URI_TOO_LONG', 414],
  UNSUPPORTED_MEDIA_TYPE: ['RTS_ERR_UNSUPPORTED_MEDIA_TYPE', 415],
  EXPECTATION_FAILED: ['RTS_ERR_EXPECTATION_FAILED', 417],
  RATE_LIMITED: ['RTS_ERR_RATE_LIMITED', 429],
  HEADERS_TOO_LARGE: ['RTS_ERR_HEADERS_TOO_LARGE', 431],
  CANCELLED: ['RTS_ERR_CANCELLED', 499],
  INTERNAL: ['RTS_ERR_INTERNAL', 500],
  MODEL_LOAD_FAILED: ['RTS_ERR_MODEL_LOAD_FAILED', 500],
  CORRUPT_MODEL: ['RTS_ERR_CORRUPT_MODEL', 500],
  INFERENCE_FAILED: ['RTS_ERR_INFERENCE_FAILED', 500],
  MODEL_NOT_READY: ['RTS_ERR_MODEL_NOT_READY', 503],
  QUEUE_FULL: ['RTS_ERR_QUEUE_FULL', 503],
  DEADLINE_EXCEEDED: ['RTS_ERR_DEADLINE_EXCEEDED', 503],
  SHUTTING_DOWN: ['RTS_ERR_SHUTTING_DOWN', 503],
  CONFIG: ['RTS_ERR_CONFIG', 500],
} as const satisfies Record<string, readonly [string, number]>;

export type ErrorKind = keyof typeof ErrorCodes;

/** `rtsError('INVALID_INPUT', 'question must be a string')` */
export function rtsError(kind: ErrorKind, message: string, options?: RtsErrorOptions): RtsError {
  const [code, status] = ErrorCodes[kind];
  return new RtsError(code, status, message, options);
}

export function isRtsError(err: unknown): err is RtsError {
  return err instanceof RtsError;
}

/** Wrap anything thrown into an RtsError, keeping RtsErrors as they are. */
export function toRtsError(err: unknown, fallback: ErrorKind = 'INTERNAL'): RtsError {
  if (err instanceof RtsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return rtsError(fallback, message, { cause: err });
}

/** Why work stopped when `signal` fired: its reason when that is an RtsError (a deadline), else CANCELLED (the client left). */
export function abortError(signal: AbortSignal | undefined, message = 'the request was cancelled'): RtsError {
  const reason: unknown = signal?.reason;
  return reason instanceof RtsError ? reason : rtsError('CANCELLED', message);
}
