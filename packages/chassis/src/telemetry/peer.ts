import { context, createContextKey } from '@opentelemetry/api';

const PEER_SERVICE = createContextKey('microshop.peer.service');

/**
 * Runs `call` with the name of the service it calls in the active context, so the span of the
 * outgoing HTTP request is named after it (`peer.service`). A no-op with tracing off.
 *
 * @example
 * const response = await withPeerService('product-service', () => pool.request(options))
 */
export function withPeerService<T>(service: string, call: () => T): T {
  return context.with(context.active().setValue(PEER_SERVICE, service), call);
}

/** The service being called, when inside {@link withPeerService}. */
export function activePeerService(): string | undefined {
  const value = context.active().getValue(PEER_SERVICE);
  return typeof value === 'string' ? value : undefined;
}
