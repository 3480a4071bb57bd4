/**
 * The web UI's pages: each of these paths answers with the UI's `index.html`, and the UI's router
 * picks the page. `/metrics` is not one of them: it is the Prometheus endpoint, so the UI's metrics
 * page lives at `/charts`.
 */
export const UI_PAGES = ['/', '/shop', '/orders/:id', '/architecture', '/traces', '/traces/:id', '/charts', '/traffic', '/events', '/compare'] as const;

/** The plain page listing the public API: no script, served whether or not the UI is built. */
export const API_PAGE = '/api';

/** The policy of every UI response: scripts, styles and calls from this origin only, no inline code, no framing. */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
