import type { RegisterInstance } from '@microshop/contracts';
import { Pool } from 'undici';
import type { ServiceIdentity } from '../identity/identity.js';
import { trimUrl } from './instance.js';

export interface RegistrationOptions {
  registryUrl: string;
  /** This process's identity: its tokens for the registry say which service it is. */
  identity: ServiceIdentity;
  service: string;
  instanceId: string;
  /** What the registry and the other services reach this instance at. */
  host: string;
  port: number;
  healthPath?: string;
  /** How often the registration is renewed: the registry evicts it after its TTL without one. */
  heartbeatMs: number;
  version?: string;
  /** Told once when the registry stops accepting heartbeats, and once when it accepts them again. */
  onFailure?: (error: unknown) => void;
  onRecovered?: () => void;
}

/** A live registration: renewed in the background until `deregister`. */
export interface Registration {
  /** Resolves after the first registration was accepted or refused (start-up never waits longer than one call). */
  readonly first: Promise<boolean>;
  /** Stops the heartbeats and removes the instance from the registry (best effort, within one second). */
  deregister(): Promise<void>;
}

/**
 * Registers this instance and renews it every `heartbeatMs`. A heartbeat is the registration
 * itself, sent again: a registry that restarted and forgot everything learns the instance back
 * from its next heartbeat, with nothing to reconcile.
 */
export function registerInstance({ registryUrl, identity, service, instanceId, host, port, healthPath = '/health', heartbeatMs, version, onFailure, onRecovered }: RegistrationOptions): Registration {
  const pool = new Pool(trimUrl(registryUrl), { connections: 1, keepAliveTimeout: Math.max(heartbeatMs * 3, 4000) });
  const path = `/v1/services/${encodeURIComponent(service)}/instances/${encodeURIComponent(instanceId)}`;
  // A fresh token when the last one is half spent: the heartbeat outlives any one token.
  const headers = () => ({ accept: 'application/json', 'content-type': 'application/json', ...identity.headersFor('registry') });
  const body: RegisterInstance = { host, port, health_path: healthPath, pid: process.pid, ...(version ? { version } : {}) };
  const payload = JSON.stringify(body);
  let failing = false;
  let stopped = false;
  let inFlight: Promise<boolean> | undefined;

  const send = async (): Promise<boolean> => {
    try {
      const response = await pool.request({ method: 'PUT', path, headers: headers(), body: payload, signal: AbortSignal.timeout(Math.max(500, Math.min(heartbeatMs, 2000))) });
      const text = await response.body.text();
      if (response.statusCode !== 200 && response.statusCode !== 201) throw new Error(`the registry answered ${response.statusCode}: ${text.slice(0, 300)}`);
      if (failing) onRecovered?.();
      failing = false;
      return true;
    } catch (error) {
      if (!failing && !stopped) onFailure?.(error);
      failing = true;
      return false;
    }
  };
  const beat = () => {
    inFlight ??= send().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const first = beat();
  const timer = setInterval(() => void beat(), heartbeatMs);
  timer.unref();

  return {
    first,
    async deregister() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight?.catch(() => undefined);
      try {
        const response = await pool.request({ method: 'DELETE', path, headers: identity.headersFor('registry'), signal: AbortSignal.timeout(1000) });
        await response.body.dump();
      } catch {
        // The registry evicts it after its TTL anyway.
      }
      await pool.close().catch(() => undefined);
    },
  };
}
