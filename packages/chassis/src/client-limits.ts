import http from 'node:http';
import type { Socket } from 'node:net';
import { problemType } from './errors.js';

/**
 * How long a client may take over each part of an exchange, in milliseconds. Together they bound
 * what a slow or idle client holds: a connection that trickles its headers (slowloris), a body
 * sent a byte at a time, a keep-alive connection left open with nothing on it.
 */
export interface ServerTimeouts {
  /** From the start of a request to the end of its headers. At most `requestMs`. */
  headersMs: number;
  /** From the start of a request to the end of its body. */
  requestMs: number;
  /** How long a keep-alive connection may stay idle between two requests. */
  keepAliveMs: number;
}

/**
 * The services' defaults. The long keep-alive is for the neighbours' connection pools (they close
 * an idle connection long before this, so they never send on one the server is closing); the
 * gateway, which faces clients, keeps idle connections for a much shorter time.
 */
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000 };

/** Largest request head (request line and headers) accepted, in bytes; larger ones get 431. */
export const MAX_HEADER_BYTES = 16_384;

/**
 * How often Node checks every connection against the header and request deadlines: a deadline is
 * only enforced at these checks (Node's default is every 30 s), so a quarter of the headers
 * timeout, at most a second.
 */
export function checkingIntervalOf({ headersMs }: Pick<ServerTimeouts, 'headersMs'>): number {
  return Math.max(25, Math.min(1000, Math.floor(headersMs / 4)));
}

/**
 * The options of the HTTP server under a Fastify app, for these timeouts. Node refuses a headers
 * timeout longer than the request timeout; so does this, naming it.
 *
 * @example
 * fastify({ http: httpServerOptions(DEFAULT_SERVER_TIMEOUTS), … })
 */
export function httpServerOptions(timeouts: ServerTimeouts): http.ServerOptions {
  const { headersMs, requestMs, keepAliveMs } = timeouts;
  if (headersMs > requestMs) throw new RangeError(`headers timeout (${headersMs} ms) must not exceed the request timeout (${requestMs} ms)`);
  return {
    headersTimeout: headersMs,
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    connectionsCheckingInterval: checkingIntervalOf(timeouts),
    maxHeaderSize: MAX_HEADER_BYTES,
  };
}

/** What Node reports on a connection before any request could be routed, as a problem. */
function clientProblem(error: NodeJS.ErrnoException): { status: number; code: string; title: string; detail: string; field?: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request-timeout', title: 'Request timeout', detail: 'The request (its headers, or its body) was not received in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers-too-large', title: 'Request header fields too large', detail: `The request line and headers exceed ${MAX_HEADER_BYTES} bytes`, field: 'headers' };
    default:
      return { status: 400, code: 'bad-request', title: 'Bad request', detail: 'The request could not be parsed as HTTP/1.1' };
  }
}

/**
 * Answers what Node reports on a connection before the app sees a request (a timeout, headers too
 * large, bytes that are not HTTP) with a problem body like every other error, plus `headers`
 * (no hook runs on these answers), then closes the connection.
 */
export function clientErrorHandler(headers: Readonly<Record<string, string>> = {}): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection, or one already gone: nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const { status, code, title, detail, field } = clientProblem(error);
      const body = JSON.stringify({ type: problemType(code), title, status, detail, ...(field ? { field } : {}) });
      const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      // Closed once the answer is flushed, whatever the client does next.
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n${extra}\r\n${body}`,
        () => socket.destroy(),
      );
      return;
    }
    socket.destroy();
  };
}
