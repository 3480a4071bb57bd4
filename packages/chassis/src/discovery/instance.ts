import type { CallTarget } from '../modules/in-process.js';

/** One reachable instance of a service. */
export interface ServiceInstance {
  /** Unique within its service: the id it registered under (`order-service-2`), or its URL for a static one. */
  id: string;
  /** Its base URL, `http://127.0.0.1:5003`, no trailing slash; `inproc://order-service` for a module of this process. */
  url: string;
  /** How to reach it when not over HTTP: a module of this process (see `inProcessTarget`). */
  target?: CallTarget;
}

/**
 * Where a service's instances are now. `instances()` is synchronous and cheap: a resolver keeps
 * its list current in the background (registry polls, DNS lookups), so picking an instance never
 * waits on discovery; when discovery fails the last known list stays.
 */
export interface Resolver {
  readonly service: string;
  /** The instances to call now; empty while none is known. */
  instances(): readonly ServiceInstance[];
  /** Where the list comes from, for logs and `/health`: `registry`, `static`, `dns`, or `in-process` (a module of this process). */
  readonly source: 'registry' | 'static' | 'dns' | 'in-process';
  /**
   * Fetches the list again now. A client that finds no instance calls it once before giving up:
   * just after start-up, a neighbour may have registered after this process's last refresh.
   */
  refresh?(): Promise<void>;
}

/** A base URL without its trailing slash: `http://a:1/` → `http://a:1`. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
