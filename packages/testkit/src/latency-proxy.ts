import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy on loopback that holds every byte coming back from its target for `latencyMs`. */
export interface LatencyProxy {
  /** `http://127.0.0.1:<port>`: point a client here instead of at the target. */
  url: string;
  port: number;
  /** Changes the added latency for bytes received from now on. */
  setLatency(ms: number): void;
  /** The request lines (`GET /api/users/7`) that went through, in order; clear it with `length = 0`. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy in front of `target` (`host:port`) that delays its answers: each chunk the target
 * sends back reaches the client `latencyMs` later, in order. Requests pass through at once. Every
 * request/response exchange therefore takes at least `latencyMs` longer, as over a slow network.
 *
 * @example
 * const slowUsers = await startLatencyProxy({ target: '127.0.0.1:5001', latencyMs: 100 })
 */
export async function startLatencyProxy({ target, latencyMs, port = 0 }: { target: string; latencyMs: number; port?: number }): Promise<LatencyProxy> {
  const [host = '127.0.0.1', targetPort] = target.split(':');
  let latency = latencyMs;
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const requestLine = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r$/gm;

  const server: Server = createServer((client) => {
    const upstream = connect({ host, port: Number(targetPort) });
    sockets.add(client).add(upstream);
    let pending = Promise.resolve();
    client.pipe(upstream);
    client.on('data', (chunk: Buffer) => {
      for (const [, method, target] of chunk.toString('latin1').matchAll(requestLine)) requests.push(`${method} ${target}`);
    });
    upstream.on('data', (chunk: Buffer) => {
      const due = Date.now() + latency;
      pending = pending.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!client.destroyed) client.write(chunk);
              resolve();
            }, Math.max(0, due - Date.now())),
          ),
      );
    });
    const end = () => {
      void pending.then(() => client.end());
    };
    upstream.on('end', end);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    setLatency: (ms) => {
      latency = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
