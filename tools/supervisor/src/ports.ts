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
