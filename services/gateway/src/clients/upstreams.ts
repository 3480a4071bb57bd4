import { createServiceClient, type Resilience, type ServiceClient } from '@microshop/chassis';
import { BACKENDS, type BackendName } from '@microshop/contracts';

/** One service behind the gateway: where it is, and the two pools that reach it. */
export interface Upstream {
  service: BackendName;
  url: string;
  /** Forwards public requests, within the call budget. */
  api: ServiceClient;
  /** Asks for health, metrics and API documents, within a shorter budget, on a few connections of its own; not counted as traffic. */
  probe: ServiceClient;
}

export type Upstreams = Record<BackendName, Upstream>;

export interface UpstreamOptions {
  urls: Record<BackendName, string>;
  callTimeoutMs: number;
  probeTimeoutMs: number;
  /** The gateway's resilience, applied to forwarded calls (never to probes). */
  resilience?: Resilience | undefined;
}

/** The gateway's clients, one keep-alive pool per service (plus one for probes), and how to close them. */
export function connectUpstreams({ urls, callTimeoutMs, probeTimeoutMs, resilience }: UpstreamOptions): { upstreams: Upstreams; close(): Promise<void> } {
  const entries = BACKENDS.map((service): [BackendName, Upstream] => [
    service,
    {
      service,
      url: urls[service],
      api: createServiceClient({ service, baseUrl: urls[service], timeoutMs: callTimeoutMs, resilience }),
      probe: createServiceClient({ service, baseUrl: urls[service], timeoutMs: probeTimeoutMs, connections: 4, monitoring: true }),
    },
  ]);
  const upstreams = Object.fromEntries(entries) as Upstreams;
  return {
    upstreams,
    close: async () => {
      await Promise.all(Object.values(upstreams).flatMap((u) => [u.api.close(), u.probe.close()]));
    },
  };
}
