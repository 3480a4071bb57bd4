import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP forwarder in front of a server, which can stop answering and come back on the same port. */
export interface SwitchableProxy {
  url: string;
  /** As `FakeService.goDown`: open connections are dropped and new ones reset at once; the port stays bound. */
  down(): void;
  /** Forwards again. */
  up(): void;
  close(): Promise<void>;
}

/**
 * Starts a forwarder on a free loopback port to `targetUrl` (e.g. a fake service), for a
 * neighbour that goes away and comes back at the same address (which `goDown` alone cannot do).
 */
export async function startSwitchableProxy(targetUrl: string): Promise<SwitchableProxy> {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  let isDown = false;
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dropAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    down() {
      isDown = true;
      dropAll();
    },
    up() {
      isDown = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
