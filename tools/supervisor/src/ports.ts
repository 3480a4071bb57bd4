import net from 'node:net';

/**
 * True when nothing listens on `host:port`: a server is opened there and closed again at once.
 * Any error other than "in use" (for example EACCES) also counts as not free.
 */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A port some other program holds, and the process that needed it. */
export interface TakenPort {
  port: number;
  name: string;
}

/** The first port of `wanted` that is not free, in order, or `undefined` when all are free. */
export async function findTakenPort(wanted: readonly { name: string; port: number }[], host = '127.0.0.1'): Promise<TakenPort | undefined> {
  for (const { name, port } of wanted) {
    if (!(await isPortFree(port, host))) return { port, name };
  }
  return undefined;
}

/** The message shown when start-up stops because a port is taken. */
export function portTakenMessage({ port, name }: TakenPort): string {
  return `Port ${port} (${name}) is already in use: stop whatever holds it (lsof -i :${port}) or free it, then start again.`;
}

/**
 * `count` distinct free loopback ports: each is bound on port 0 (the kernel picks), read, and all
 * are closed together, so none is handed out twice. Someone else may still take one before the
 * child binds it; its health check then fails and says so.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen({ port: 0, host, exclusive: true }, () => resolve((server.address() as net.AddressInfo).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined)))));
  }
}

/** One free port per extra replica: `{ 'order-service': 3 }` → `{ 'order-service': [p2, p3] }`. */
export async function replicaPortsFor(replicas: Readonly<Partial<Record<string, number>>>, host = '127.0.0.1'): Promise<Record<string, number[]>> {
  const wanted = Object.entries(replicas).map(([name, count]) => [name, Math.max(0, (count ?? 1) - 1)] as const);
  const ports = await freePorts(wanted.reduce((sum, [, extra]) => sum + extra, 0), host);
  let next = 0;
  return Object.fromEntries(wanted.map(([name, extra]) => [name, ports.slice(next, (next += extra))]));
}
