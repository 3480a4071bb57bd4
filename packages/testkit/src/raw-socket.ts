import net from 'node:net';

/** A plain TCP connection to an HTTP server, for clients no HTTP library would be: slow, idle, malformed. */
export interface RawConnection {
  socket: net.Socket;
  /** Sends bytes as they are. Does nothing once the server has closed the connection. */
  write(text: string | Buffer): void;
  /** Everything the server has sent so far. */
  received(): string;
  /** Milliseconds since the connection was opened. */
  elapsed(): number;
  /** Resolves once the server has closed the connection: when (ms since opening) and all it sent. */
  closed: Promise<{ atMs: number; text: string }>;
  /** Resolves once `text` has arrived (rejects if the connection closes first). */
  waitFor(text: string): Promise<void>;
}

/**
 * Opens a raw connection to `baseUrl`'s host and port and resolves once connected.
 *
 * @example
 * const slow = await connectRaw(url)
 * slow.write('GET / HTTP/1.1\r\nHost: x\r\n')
 * const { atMs, text } = await slow.closed
 */
export function connectRaw(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const opened = performance.now();
    const elapsed = () => performance.now() - opened;
    let text = '';
    let ended = false;
    const waiters = new Set<() => void>();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      for (const wake of waiters) wake();
    });
    const closed = new Promise<{ atMs: number; text: string }>((done) => {
      // A reset after the answer counts as closing too.
      socket.on('error', () => undefined);
      socket.once('close', () => {
        ended = true;
        for (const wake of waiters) wake();
        done({ atMs: elapsed(), text });
      });
    });
    socket.once('connect', () =>
      resolve({
        socket,
        write: (data) => {
          if (!ended && socket.writable) socket.write(data);
        },
        received: () => text,
        elapsed,
        closed,
        waitFor: (wanted) =>
          new Promise((done, fail) => {
            const check = () => {
              if (text.includes(wanted)) {
                waiters.delete(check);
                done();
              } else if (ended) {
                waiters.delete(check);
                fail(new Error(`The connection closed before "${wanted}" arrived; it sent: ${text}`));
              }
            };
            waiters.add(check);
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}
