import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received. */
export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What a fake route answers. `delayMs` holds the answer back; `hang` never answers. */
export interface FakeResponse {
  status?: number;
  body?: unknown;
  /** Sent as it is instead of `body` (as `text/plain` unless a header says otherwise), e.g. Prometheus metrics. */
  text?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
}

export type FakeHandler = (call: RecordedCall, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>;

/** A neighbouring service faked at the HTTP level, on a real port. */
export interface FakeService {
  url: string;
  /** Every request received, in order. */
  calls: RecordedCall[];
  /** Answers `METHOD /path/:param` with the handler; later registrations win. */
  on(method: string, pattern: string, handler: FakeHandler): void;
  /**
   * Stops answering: open connections are dropped and new ones reset at once, but the port stays
   * bound, so no other test's server can take it over while a caller (a scraper, say) still targets
   * it. `close` releases it.
   */
  goDown(): void;
  close(): Promise<void>;
}

function matcher(pattern: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/:([a-z_]+)/gi, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return (path) => {
    const match = regex.exec(path);
    if (!match) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
  };
}

/**
 * Starts a fake neighbour on a free loopback port. Unmatched requests get a 404 problem body, as a
 * real service would answer.
 *
 * @example
 * const products = await startFakeService()
 * products.on('GET', '/api/products/:id', () => ({ body: { id: 2, name: 'Laptop', price: 999.99 } }))
 */
export async function startFakeService(): Promise<FakeService> {
  const routes: { method: string; match: ReturnType<typeof matcher>; handler: FakeHandler }[] = [];
  const calls: RecordedCall[] = [];
  let down = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const text = Buffer.concat(chunks).toString('utf8');
        const call: RecordedCall = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        };
        calls.push(call);
        let response: FakeResponse = { status: 404, body: { type: '/problems/no-route', title: 'Not found', status: 404, detail: 'fake' } };
        for (const route of [...routes].reverse()) {
          const params = route.method === call.method ? route.match(call.path) : undefined;
          if (params) {
            response = await route.handler(call, params);
            break;
          }
        }
        if (response.hang) return;
        if (response.delayMs) await new Promise((r) => setTimeout(r, response.delayMs));
        const status = response.status ?? 200;
        if (response.text !== undefined) {
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...response.headers });
          res.end(response.text);
          return;
        }
        res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...response.headers });
        res.end(response.body === undefined ? '' : JSON.stringify(response.body));
      })();
    });
  });
  server.on('connection', (socket) => {
    if (down) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    on(method, pattern, handler) {
      routes.push({ method, match: matcher(pattern), handler });
    },
    goDown() {
      down = true;
      server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
