import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type RtsError, rtsError } from '../core/errors.js';
import { sendError } from './errors.js';

/**
 * The answers Node's HTTP parser and fastify's router give before any route
 * or hook runs (a malformed request, headers too large, a timeout, a bad
 * percent-encoding, an `Expect` we do not meet), written in the documented
 * shape `{"error": {"code", "message"}}` from the one error catalogue instead
 * of Node's empty bodies and fastify's own JSON.
 */

/** The raw bytes of an error answer on a socket no request object owns yet. */
export function rawErrorResponse(e: RtsError): string {
  const body = JSON.stringify({ error: { code: e.code, message: e.message } });
  return (
    `HTTP/1.1 ${e.statusCode} ${STATUS_CODES[e.statusCode] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** What Node's parser reported, as an RtsError (its messages name the rule, never the bytes). */
export function clientErrorToRts(err: NodeJS.ErrnoException): RtsError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return rtsError('HEADERS_TOO_LARGE', 'request headers are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rtsError('TIMEOUT', 'the request was not received in time');
    default:
      return rtsError('INVALID_INPUT', `malformed HTTP request${err.code ? ` (${err.code}: ${err.message.slice(0, 100)})` : ''}`);
  }
}

/** fastify's `clientErrorHandler` option: Node's parser errors and its request/headers timeouts. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  // Like Node: answer only if no response has started on this connection.
  if (socket.writable && !inProgress?.headersSent) socket.write(rawErrorResponse(clientErrorToRts(err)));
  socket.destroy();
}

/** fastify's `frameworkErrors` option: bad URLs and over-long path parameters, in the shape of the URL's API family. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let e: RtsError | FastifyError = err;
  if (err.code === 'FST_ERR_BAD_URL') e = rtsError('INVALID_INPUT', 'the URL is malformed (bad percent-encoding)');
  else if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') e = rtsError('URI_TOO_LONG', 'a path parameter of the URL is too long');
  // The router failed, so no scope chose a shape: the OIP one for its prefix, as its not-found handler does.
  sendError(request, reply, e, /^\/v2(\/|\?|$)/.test(request.url) ? 'oip' : 'api');
}

/**
 * Node answers `Expect` headers other than `100-continue` with an empty 417
 * unless someone listens; and a socket idle past the server's timeout is cut
 * without a word. Both get an error answer from the catalogue here.
 */
export function installTransportErrors(server: Server): void {
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const e = rtsError('EXPECTATION_FAILED', 'only "Expect: 100-continue" is supported');
    const body = JSON.stringify({ error: { code: e.code, message: e.message } });
    res.writeHead(e.statusCode, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body);
  });
  server.on('timeout', (socket: Socket) => {
    const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && !inProgress?.headersSent) {
      socket.write(rawErrorResponse(rtsError('TIMEOUT', 'the request was not received and answered in time')));
    }
    socket.destroy();
  });
}
