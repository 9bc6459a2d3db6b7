import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

/**
 * Structured JSON logs on stdout (collected by the cluster). Secrets never
 * reach them: credentials and cookies are redacted by path, request bodies
 * are not logged at all except at debug level when payload logging is on
 * (and then size-capped, see `payloadForLog`).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'authorization',
  'apiKey',
  'apiKeys',
  'adminApiKeys',
  'password',
  'token',
  'body',
  'req.body',
];

export function createLogger(options: { level: string; instanceId: string; destination?: DestinationStream }): PinoLogger {
  // stdout written asynchronously (pino's sonic-boom): lines that come while a write is
  // under way go out together in the next one, instead of one blocking write per line
  // (one access line per request at info). pino flushes it synchronously on exit.
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level,
      base: { instance: options.instanceId, pid: process.pid },
      timestamp: isoTimeOncePerMs,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

let lastMs = Number.NaN;
let lastTime = '';

/**
 * pino's `isoTime` (`,"time":"2026-12-06T03:55:43.123Z"`), formatted once per millisecond:
 * at thousands of access lines a second, `toISOString` for each was ≈ 3 % of a small
 * request's CPU, and lines of the same millisecond share the string.
 */
export function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** A payload for a debug log line: at most `maxBytes` characters, never the raw buffer. */
export function payloadForLog(body: unknown, maxBytes: number): string {
  let text: string;
  if (Buffer.isBuffer(body)) text = `<${body.length} bytes>`;
  else {
    try {
      text = JSON.stringify(body) ?? '';
    } catch {
      text = '<unserialisable>';
    }
  }
  return text.length > maxBytes ? `${text.slice(0, maxBytes)}…(${text.length} chars)` : text;
}
