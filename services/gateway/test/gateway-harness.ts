import net from 'node:net';
import type { App } from '@microshop/chassis';
import { BACKENDS, type BackendName } from '@microshop/contracts';
import { callerIn, listenOnFreePort, startFakeService, testKeys, type FakeService, type RecordedCall } from '@microshop/testkit';
import { buildApp, type GatewayAppOptions } from '../src/app.js';
import type { ServiceLocation } from '../src/clients/upstreams.js';

/** The call budget the gateway under test gets: short, so the timeout tests are quick. */
export const CALL_TIMEOUT_MS = 300;
export const HEALTH_TIMEOUT_MS = 300;

/** The key set of the gateway tests: the gateway under test signs as `gateway` with it, unless a test gives another identity. */
export const keys = testKeys();

/**
 * Who sent `call` to `service`, as that service would see it: the issuer of a valid token for it,
 * or `undefined` (none, forged, expired, for another service). The fakes record; the tests check.
 */
export const callerAt = (service: string, call: RecordedCall | undefined): string | undefined => callerIn(keys.identity(service), call?.headers ?? {});

/** The gateway on a free port, with its four neighbours faked at the HTTP level on real ports. */
export interface GatewayHarness {
  url: string;
  app: App;
  fakes: Record<BackendName, FakeService>;
  /** The fake payment provider, when the gateway was started with one (`provider: true`). */
  provider: FakeService | undefined;
  /** Forgets the calls every fake has received. */
  resetCalls(): void;
  /** Every call any fake (the provider's included) has received, as `METHOD /path?query` lines. */
  allCalls(): string[];
  close(): Promise<void>;
}

/** What the harness starts: the gateway's options, except that `provider: true` fakes the payment provider. */
export type HarnessOptions = Omit<Partial<GatewayAppOptions>, 'provider'> & {
  /** Starts a fake payment provider and gives the gateway its URL; absent: the gateway has no provider. */
  provider?: boolean;
};

/**
 * Starts the gateway with every neighbour faked. `locations` replaces where some services are
 * (a resolver over several fakes, say); the others are their one fake's URL.
 */
export async function startGateway(options: HarnessOptions & { provider: true }, locations?: Partial<Record<BackendName, ServiceLocation>>): Promise<GatewayHarness & { provider: FakeService }>;
export async function startGateway(options?: HarnessOptions, locations?: Partial<Record<BackendName, ServiceLocation>>): Promise<GatewayHarness>;
export async function startGateway({ provider: withProvider = false, ...options }: HarnessOptions = {}, locations: Partial<Record<BackendName, ServiceLocation>> = {}): Promise<GatewayHarness> {
  const started = await Promise.all(BACKENDS.map(async (service) => [service, await startFakeService()] as const));
  const fakes = Object.fromEntries(started) as Record<BackendName, FakeService>;
  const provider = withProvider ? await startFakeService() : undefined;
  const everyFake = [...Object.values(fakes), ...(provider ? [provider] : [])];
  const services = { ...Object.fromEntries(started.map(([service, fake]) => [service, fake.url])), ...locations } as Record<BackendName, ServiceLocation>;
  // The live overview's scraping would add calls to every fake: off unless a test turns it on.
  const app = await buildApp({
    services,
    callTimeoutMs: CALL_TIMEOUT_MS,
    healthTimeoutMs: HEALTH_TIMEOUT_MS,
    logLevel: false,
    bodyLimit: 4096,
    overviewScrapeMs: 0,
    identity: keys.identity('gateway'),
    ...(provider ? { provider: provider.url } : {}),
    ...options,
  });
  const url = await listenOnFreePort(app);
  return {
    url,
    app,
    fakes,
    provider,
    resetCalls: () => {
      for (const fake of everyFake) fake.calls.length = 0;
    },
    allCalls: () => everyFake.flatMap((fake) => fake.calls.map((c) => `${c.method} ${c.path}${c.query.size ? `?${c.query.toString()}` : ''}`)),
    close: async () => {
      await app.close();
      await Promise.all(everyFake.map((fake) => fake.close()));
    },
  };
}

/** A raw HTTP/1.1 exchange: the status line, the headers (lower-case names) and the body text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) exactly as written, over a plain
 * socket: no URL normalization, any request target, any Host header. The connection is closed
 * after one answer.
 */
export function rawRequest(baseUrl: string, head: string, body = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      const length = body ? `\r\nContent-Length: ${Buffer.byteLength(body)}` : '';
      socket.write(`${head}${length}\r\nConnection: close\r\n\r\n${body}`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headText = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

/** The overview scrape interval the overview tests run with. */
export const SCRAPE_MS = 100;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads until `ok` holds or `timeoutMs` passes, every half scrape; returns the last value read either way. */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(SCRAPE_MS / 2);
  }
}
