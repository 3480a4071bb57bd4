import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultProxy } from './fault-proxy.js';
import { ToxicError } from './toxics.js';

/** The HTTP API that changes a proxy's toxics at runtime. */
export interface ControlApi {
  port: number;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 8192) throw new ToxicError('body', 'is larger than 8 KiB');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ToxicError('body', 'is not JSON');
  }
}

/**
 * Serves a proxy's toxics on loopback, in Toxiproxy's shape: `GET /toxics`, `POST /toxics` (a
 * toxic, 201), `DELETE /toxics/:name` (204), `POST /reset` (every toxic removed, 204).
 *
 * @example
 * const api = await startControlApi(proxy, { port: 8474 })
 * // curl -X POST localhost:8474/toxics -d '{"type":"timeout","timeout":0}'
 */
export async function startControlApi(proxy: FaultProxy, { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}): Promise<ControlApi> {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://proxy').pathname;
    if (request.method === 'GET' && path === '/toxics') return send(response, 200, proxy.toxics());
    if (request.method === 'GET' && path === '/') return send(response, 200, { listen: `127.0.0.1:${proxy.port}`, upstream: proxy.upstream, connections: proxy.connections(), toxics: proxy.toxics() });
    if (request.method === 'POST' && path === '/toxics') {
      try {
        return send(response, 201, proxy.addToxic(await readJson(request)));
      } catch (error) {
        if (error instanceof ToxicError) return send(response, error.field === 'name' ? 409 : 400, { title: 'Invalid toxic', status: 400, detail: error.message, field: error.field });
        throw error;
      }
    }
    if (request.method === 'POST' && path === '/reset') {
      proxy.reset();
      response.writeHead(204).end();
      return;
    }
    const match = /^\/toxics\/([\w.-]+)$/.exec(path);
    if (request.method === 'DELETE' && match?.[1]) {
      if (!proxy.removeToxic(match[1])) return send(response, 404, { title: 'No such toxic', status: 404, detail: `No toxic named ${match[1]}` });
      response.writeHead(204).end();
      return;
    }
    send(response, 404, { title: 'Not found', status: 404, detail: `${request.method ?? 'GET'} ${path} is not an operation of the fault proxy` });
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { title: 'Internal error', status: 500, detail: error instanceof Error ? error.message : String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
