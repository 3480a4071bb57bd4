/**
 * Requests that are never traced: health checks and metric scrapes (polled all the time), the
 * OTLP receiver (tracing it would trace the tracing), and the trace API itself (a page that polls
 * it would otherwise fill the store with its own reads). Likewise the gateway's live overview and
 * traffic controls (the web UI polls them every second; the traffic's own requests are traced) and
 * the web UI's pages and files (loading the UI is not the system's traffic), and the registry's API
 * (every process heartbeats and polls it every second: discovery, not the system's traffic).
 */
export const UNTRACED_PATHS: readonly string[] = [
  '/health',
  '/metrics',
  '/v1/traces',
  '/v1/services',
  '/api/traces',
  '/api/overview',
  '/api/consistency',
  '/api/traffic',
  '/',
  '/assets',
  '/favicon.svg',
  '/shop',
  '/architecture',
  '/traces',
  '/charts',
  '/traffic',
  '/events',
];

/**
 * True when the path (query string allowed) is one of {@link UNTRACED_PATHS} or below one.
 *
 * @example
 * isUntracedPath('/api/traces/4bf9?x=1') // true
 * isUntracedPath('/api/orders')         // false
 */
export function isUntracedPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const path = url.split('?', 1)[0] ?? '';
  return UNTRACED_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
