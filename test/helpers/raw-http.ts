import { connect } from 'node:net';

/**
 * A deliberately naive HTTP/1.1 client over a raw socket, so tests can send
 * what no well-behaved client would (bad methods, NUL bytes in headers, lying
 * lengths, broken chunking, no Host) and still read what comes back.
 */
export interface RawRequest {
  method: string;
  path: string;
  /** Sent as given, in order (no validation). */
  headers: [string, string][];
  body: Buffer;
  /** Leave out the Host header. */
  noHost?: boolean;
  /** Leave out the Content-Length header we would add (the case sets its own framing). */
  noContentLength?: boolean;
}

export interface RawResponse {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Socket error seen (e.g. ECONNRESET), if any. */
  error?: string;
}

export function encodeRequest(req: RawRequest): Buffer {
  const lines = [`${req.method} ${req.path} HTTP/1.1`];
  if (!req.noHost) lines.push('Host: 127.0.0.1');
  for (const [k, v] of req.headers) lines.push(`${k}: ${v}`);
  if (!req.noContentLength && !req.headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) {
    lines.push(`Content-Length: ${req.body.length}`);
  }
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body]);
}

/** Send one request; resolve with the first final (non-1xx) response, or status 0 if the server closed first. */
export function sendRaw(port: number, req: RawRequest | Buffer, timeoutMs = 20_000): Promise<RawResponse> {
  const bytes = Buffer.isBuffer(req) ? req : encodeRequest(req);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let error: string | undefined;
    let done = false;
    const finish = (res: RawResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(res);
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms (got ${data.length} bytes)`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(bytes);
    });
    socket.on('error', (err) => {
      error = (err as NodeJS.ErrnoException).code ?? err.message;
    });
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      const parsed = parseResponse(data, false);
      if (parsed) finish({ ...parsed, ...(error ? { error } : {}) });
    });
    socket.on('close', () => {
      const parsed = parseResponse(data, true);
      finish(parsed ? { ...parsed, ...(error ? { error } : {}) } : { status: 0, headers: {}, body: data, ...(error ? { error } : {}) });
    });
  });
}

/** The first final response in `data` once complete (or, at end of stream, as much as came). */
function parseResponse(data: Buffer, ended: boolean): Omit<RawResponse, 'error'> | undefined {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return undefined;
    const head = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? NaN);
    if (!Number.isFinite(status)) return undefined;
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const at = line.indexOf(':');
      if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
    }
    const bodyStart = end + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    const rest = data.subarray(bodyStart);
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (rest.length >= n) return { status, headers, body: rest.subarray(0, n) };
      return ended ? { status, headers, body: rest } : undefined;
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const body = dechunk(rest);
      if (body) return { status, headers, body };
      return ended ? { status, headers, body: rest } : undefined;
    }
    return ended ? { status, headers, body: rest } : undefined;
  }
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Whether a 4xx answer has the documented shape: `{"error": {"code", "message"}}`
 * for the task APIs, `{"error": "<message>"}` on the Open Inference Protocol routes.
 */
export function errorShapeProblem(path: string, res: RawResponse): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    return `not JSON: ${JSON.stringify(res.body.subarray(0, 120).toString('latin1'))}`;
  }
  const error = (json as { error?: unknown } | null)?.error;
  const taskShape =
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^RTS_ERR_[A-Z_]+$/.test((error as { code: string }).code) &&
    typeof (error as { message?: unknown }).message === 'string';
  const oipShape = typeof error === 'string' && error.length > 0;
  // An absolute-form target (`http://host/v2/…`) is routed by its path.
  const routed = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (taskShape || (oipShape && /^\/v2(\/|\?|$)/.test(routed))) return undefined;
  return `wrong error shape: ${JSON.stringify(json).slice(0, 200)}`;
}
