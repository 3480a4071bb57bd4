import { lookup } from 'node:dns/promises';
import type { Resolver, ServiceInstance } from './instance.js';

export interface DnsResolverOptions {
  service: string;
  /** `dns+http://order-service-headless:5003`: every address the name resolves to is an instance on that port. */
  url: string;
  /** How often the name is resolved again. */
  refreshMs: number;
  /** Told when a lookup fails (the last known addresses stay in use). */
  onError?: (error: unknown) => void;
  lookupAll?: (host: string) => Promise<readonly string[]>;
}

/** A resolver that also stops its timer. */
export interface ClosableResolver extends Resolver {
  /** Resolves at once (the first list is ready when it settles). */
  refresh(): Promise<void>;
  close(): void;
}

const defaultLookup = async (host: string): Promise<readonly string[]> => (await lookup(host, { all: true })).map((entry) => entry.address);

/**
 * Resolves a DNS name to all its addresses, again every `refreshMs`: on Kubernetes, a headless
 * Service's name gives one address per ready pod, so the client balances across pods itself
 * (instead of one kube-proxy virtual IP). A failed lookup keeps the last known addresses.
 */
export function dnsResolver({ service, url, refreshMs, onError, lookupAll = defaultLookup }: DnsResolverOptions): ClosableResolver {
  const target = new URL(url.replace(/^dns\+/, ''));
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  let instances: readonly ServiceInstance[] = [];
  const refresh = async () => {
    try {
      const addresses = [...new Set(await lookupAll(target.hostname))].sort();
      instances = addresses.map((address) => {
        const host = address.includes(':') ? `[${address}]` : address;
        const base = `${target.protocol}//${host}:${port}`;
        return { id: `${service}@${host}:${port}`, url: base };
      });
    } catch (error) {
      onError?.(error);
    }
  };
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  void refresh();
  return { service, source: 'dns', instances: () => instances, refresh, close: () => clearInterval(timer) };
}
