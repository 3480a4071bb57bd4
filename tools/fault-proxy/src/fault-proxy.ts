import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseToxic, ToxicError, type Stream, type Toxic } from './toxics.js';

/** A TCP proxy in front of one target, with toxics added and removed at runtime. */
export interface FaultProxy {
  /** The port clients connect to (on 127.0.0.1). */
  port: number;
  /** `host:port` of the target. */
  upstream: string;
  /** Adds a toxic (see {@link parseToxic}); it also applies to connections already open. Throws {@link ToxicError}. */
  addToxic(input: unknown): Toxic;
  /** Removes a toxic by name; false when there was none. */
  removeToxic(name: string): boolean;
  /** Removes every toxic. */
  reset(): void;
  toxics(): Toxic[];
  /** Connections open now. */
  connections(): number;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** `host:port` of the target, e.g. `127.0.0.1:5002`. */
  upstream: string;
  /** 0 for any free port. */
  port?: number;
  host?: string;
  /** Uniform in [0, 1): toxicity and jitter draws (tests make it predictable). */
  random?: () => number;
}

interface Connection {
  client: Socket;
  target: Socket;
  /** Per toxic name: does it apply to this connection? Drawn once. */
  applies: Map<string, boolean>;
  timers: Set<NodeJS.Timeout>;
  /** Bytes passed per direction. */
  passed: Record<Stream, number>;
}

function parseHostPort(value: string): { host: string; port: number } {
  const index = value.lastIndexOf(':');
  const port = Number(value.slice(index + 1));
  if (index <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) throw new ToxicError('upstream', `must be host:port, not "${value}"`);
  return { host: value.slice(0, index), port };
}

/**
 * Starts a TCP fault proxy: every connection to it is relayed to `upstream`, through the toxics
 * active at the time — Toxiproxy's latency (±jitter), down, timeout, reset_peer, slicer and
 * limit_data, each with a toxicity (the chance it applies to a connection).
 *
 * @example
 * const proxy = await startFaultProxy({ upstream: '127.0.0.1:5002' })
 * proxy.addToxic({ type: 'latency', latency_ms: 300, jitter_ms: 100 })
 */
export async function startFaultProxy({ upstream, port = 0, host = '127.0.0.1', random = Math.random }: FaultProxyOptions): Promise<FaultProxy> {
  const target = parseHostPort(upstream);
  const toxics = new Map<string, Toxic>();
  const open = new Set<Connection>();
  let server: Server | undefined;
  let boundPort = port;
  let closed = false;

  const applies = (conn: Connection, toxic: Toxic): boolean => {
    let decided = conn.applies.get(toxic.name);
    if (decided === undefined) {
      decided = toxic.toxicity >= 1 || random() < toxic.toxicity;
      conn.applies.set(toxic.name, decided);
    }
    return decided;
  };
  const active = (conn: Connection, stream: Stream): Toxic[] => [...toxics.values()].filter((t) => t.stream === stream && applies(conn, t));

  const drop = (conn: Connection, reset = false): void => {
    conn.timers.forEach(clearTimeout);
    if (reset) conn.client.resetAndDestroy();
    else conn.client.destroy();
    conn.target.destroy();
    open.delete(conn);
  };

  const later = (conn: Connection, ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      conn.timers.delete(timer);
      run();
    }, ms);
    conn.timers.add(timer);
  };

  /** The toxics that act on a connection as a whole, not on its data. */
  const attach = (conn: Connection, toxic: Toxic): void => {
    if (!applies(conn, toxic)) return;
    if (toxic.type === 'down') drop(conn);
    else if (toxic.type === 'reset_peer') {
      if (toxic.timeout_ms === 0) drop(conn, true);
      else later(conn, toxic.timeout_ms, () => drop(conn, true));
    } else if (toxic.type === 'timeout' && toxic.timeout_ms > 0) later(conn, toxic.timeout_ms, () => drop(conn));
  };

  const write = async (to: Socket, chunk: Buffer): Promise<void> => {
    if (to.destroyed) return;
    if (!to.write(chunk)) await new Promise<void>((resolve) => {
      to.once('drain', resolve);
      to.once('close', resolve);
    });
  };

  /** Relays one direction chunk by chunk, each through the toxics active for it. */
  const pump = async (conn: Connection, from: Socket, to: Socket, stream: Stream): Promise<void> => {
    try {
      for await (const data of from) {
        let chunk = data as Buffer;
        let sliced: SlicerToxicLike | undefined;
        let stop = false;
        for (const toxic of active(conn, stream)) {
          if (toxic.type === 'timeout') stop = true;
          else if (toxic.type === 'latency') {
            const jitter = toxic.jitter_ms === 0 ? 0 : Math.round((random() * 2 - 1) * toxic.jitter_ms);
            const delay = Math.max(0, toxic.latency_ms + jitter);
            if (delay > 0) await sleep(delay);
          } else if (toxic.type === 'limit_data') {
            const left = toxic.bytes - conn.passed[stream];
            if (chunk.length >= left) {
              if (left > 0) await write(to, chunk.subarray(0, left));
              conn.passed[stream] += Math.max(0, left);
              drop(conn);
              return;
            }
          } else if (toxic.type === 'slicer') sliced = toxic;
        }
        if (stop || conn.client.destroyed) continue; // Swallowed: data does not get through.
        conn.passed[stream] += chunk.length;
        if (!sliced) {
          await write(to, chunk);
          continue;
        }
        while (chunk.length > 0) {
          const variation = sliced.size_variation === 0 ? 0 : Math.round((random() * 2 - 1) * sliced.size_variation);
          const size = Math.max(1, sliced.average_size + variation);
          await write(to, chunk.subarray(0, size));
          chunk = chunk.subarray(size);
          if (chunk.length > 0 && sliced.delay_us > 0) await sleep(sliced.delay_us / 1000);
        }
      }
      if (!to.destroyed) to.end();
    } catch {
      drop(conn);
    }
  };

  const accept = (client: Socket): void => {
    const targetSocket = connect(target);
    const conn: Connection = { client, target: targetSocket, applies: new Map(), timers: new Set(), passed: { upstream: 0, downstream: 0 } };
    open.add(conn);
    client.on('error', () => drop(conn));
    targetSocket.on('error', () => drop(conn, true));
    client.on('close', () => drop(conn));
    targetSocket.on('close', () => {
      if (!client.destroyed && client.writableEnded) open.delete(conn);
    });
    for (const toxic of toxics.values()) attach(conn, toxic);
    if (client.destroyed) return;
    void pump(conn, client, targetSocket, 'upstream');
    void pump(conn, targetSocket, client, 'downstream');
  };

  const listen = async (): Promise<void> => {
    const next = createServer(accept);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(boundPort, host, () => resolve());
    });
    boundPort = (next.address() as AddressInfo).port;
    server = next;
  };
  const stopListening = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();

  let relistening: Promise<void> = Promise.resolve();
  const relisten = (): void => {
    relistening = relistening.then(stopListening).then(listen).catch(() => undefined);
  };
  const isDown = () => [...toxics.values()].some((t) => t.type === 'down');

  return {
    get port() {
      return boundPort;
    },
    upstream,
    addToxic(input) {
      const toxic = parseToxic(input);
      if (toxics.has(toxic.name)) throw new ToxicError('name', `a toxic named ${toxic.name} exists already`);
      toxics.set(toxic.name, toxic);
      for (const conn of [...open]) attach(conn, toxic);
      if (toxic.type === 'down') relistening = relistening.then(stopListening);
      return toxic;
    },
    removeToxic(name) {
      const toxic = toxics.get(name);
      if (!toxic) return false;
      toxics.delete(name);
      if (toxic.type === 'down' && !isDown() && !closed) relisten();
      return true;
    },
    reset() {
      const wasDown = isDown();
      toxics.clear();
      if (wasDown && !closed) relisten();
    },
    toxics: () => [...toxics.values()],
    connections: () => open.size,
    async close() {
      closed = true;
      await relistening;
      for (const conn of [...open]) drop(conn);
      await stopListening();
    },
  };
}

type SlicerToxicLike = Extract<Toxic, { type: 'slicer' }>;
