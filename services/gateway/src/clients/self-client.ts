import { AsyncResource } from 'node:async_hooks';
import type { AddressInfo } from 'node:net';
import { createServiceClient, type ServiceClient } from '@microshop/chassis';
import type { TrafficAnswer, TrafficRequest } from '../domain/traffic-scenario.js';

/**
 * The async context of no request (made when this module loads). Generated requests are sent from
 * it, so that each one starts a trace of its own instead of joining (or, when that request is not
 * traced, being hidden with) the request that started the run.
 */
const detached = new AsyncResource('microshop-traffic');

/** Where the gateway is reachable from itself: its own port on loopback. */
export function loopbackUrl(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') throw new Error('The gateway is not listening on a TCP port');
  const { address: host, family, port } = address;
  if (family === 'IPv6') return `http://[${host === '::' ? '::1' : host}]:${port}`;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

export interface SelfClient {
  /** Sends one request to the gateway's own public API and returns its status and body. */
  send(request: TrafficRequest): Promise<TrafficAnswer>;
  close(): Promise<void>;
}

/**
 * A keep-alive client to the gateway itself, for the traffic generator: its requests enter by the
 * public door like any other, so they are forwarded, measured and traced as real traffic. The
 * address is read when the first request goes out (the gateway is listening by then).
 */
export function createSelfClient(address: () => AddressInfo | string | null, timeoutMs: number): SelfClient {
  let client: ServiceClient | undefined;
  return {
    send({ method, path, body }) {
      // Not an edge between services: the calls the gateway then makes on these requests' behalf are.
      client ??= createServiceClient({ service: 'gateway', baseUrl: loopbackUrl(address()), timeoutMs, connections: 64, monitoring: true });
      const gateway = client;
      return detached.runInAsyncScope(async () => {
        const answer = await gateway.call<unknown>({ method, path, body, passServerErrors: true, headers: { 'user-agent': 'microshop-traffic' } });
        return { status: answer.status, body: answer.body };
      });
    },
    close: async () => {
      await client?.close();
    },
  };
}
