import { COMPOSED_VIEWS, openApiPath, type PublicRoute } from '../public-routes.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const UI_HINT =
  '<p class="hint">The web UI has not been built. Run <code>npm run build</code> (or <code>npm install</code>) ' +
  'at the repository root, then restart the gateway.</p>';

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { margin-bottom: 0; } p.lead { margin-top: .25rem; color: #59636e; }
  nav a { margin-right: 1.25rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #d1d9e0; }
  code { font: 14px ui-monospace, monospace; }
  .method { font-weight: 600; width: 5rem; }
  .hint { padding: .75rem 1rem; border: 1px solid #d4a72c; background: #fff8c5; border-radius: 6px; }`;

const TRACE_ROUTES = [
  ['GET', '/api/traces', 'The most recent traces, newest first (?service=, ?status=ok|error, ?limit=)'],
  ['GET', '/api/traces/{id}', 'One trace, its spans as a tree'],
  ['POST', '/v1/traces', 'The OTLP/HTTP receiver (JSON) the services export their spans to'],
] as const;
const TRACE_ROWS = TRACE_ROUTES.map(
  ([method, path, what]) => `<tr><td class="method"><code>${method}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(what)}</td></tr>`,
).join('\n      ');

const METRIC_ROUTES = [
  ['GET', '/api/overview', 'Live figures of every service and instance (requests/s, error rates, p50/p99) and of every edge between services (calls/s), over the last minute (?window=)'],
  ['GET', '/api/overview/series', "One service's requests/s, errors/s and p50/p99 per scrape interval, for charts (?service=, ?window=)"],
  ['GET', '/api/consistency', 'The money invariant: every order against every payment (PAID iff exactly one COMPLETED payment, for its total); `npm run check:consistency` prints it'],
  ['GET', '/metrics', "The gateway's own metrics in the Prometheus text format; every service serves its own at the same path"],
  ['GET', '/api/bench/topologies', 'The latest benchmark of the microservices against the modular monolith, the same flows at the same loads, as `npm run bench -- --compare-topologies` wrote it (404 until it has run)'],
  ['GET', '/api/bench/suite', 'The latest run of the performance suite, every scenario on every system, the pairings and the goals checked, as `npm run bench` wrote it (404 until it has run)'],
] as const;
const METRIC_ROWS = METRIC_ROUTES.map(
  ([method, path, what]) => `<tr><td class="method"><code>${method}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(what)}</td></tr>`,
).join('\n      ');

const ADMIN_ROUTES = [
  ['GET', '/api/admin/services', "Every service's active faults and process state"],
  ['GET', '/api/admin/services/{service}/chaos', "A service's active faults and the time left"],
  ['PUT', '/api/admin/services/{service}/chaos', 'Inject latency (fixed + jitter), an error rate or a hang; expires by itself (default 60 s, at most 600 s)'],
  ['DELETE', '/api/admin/services/{service}/chaos', 'Lift the faults now'],
  ['POST', '/api/admin/services/{service}/process', 'Kill, pause (SIGSTOP, resumed by itself within 60 s), resume or restart its process, through the supervisor'],
  ['PUT', '/api/admin/services/{service}/replicas', 'Run that many instances of it (1 to 6), through the supervisor'],
  ['POST', '/api/admin/services/{service}/rollout', 'Redeploy it instance by instance with no failed request (a new process healthy and registered before each old one drains), through the supervisor'],
  ['GET', '/api/admin/services/{service}/resilience', 'Its (or the gateway’s) resilience switches and breaker states'],
  ['PUT', '/api/admin/services/{service}/resilience', 'Turn timeouts, retries, breakers or bulkheads on or off'],
  ['GET', '/api/admin/events', 'The Order and Payment outboxes: backlog, lag, latest events and dead letters (null for a service that does not answer)'],
  ['POST', '/api/admin/events/{service}/{event_id}/retry', 'Send a dead letter of order-service or payment-service again'],
] as const;
const ADMIN_ROWS = ADMIN_ROUTES.map(
  ([method, path, what]) => `<tr><td class="method"><code>${method}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(what)}</td></tr>`,
).join('\n      ');

/** What the page says about the web UI. */
export interface HomePageOptions {
  /** True when the web UI is built and served at `/`: the page links it. False: the page says how to build it. */
  uiBuilt: boolean;
}

/**
 * The gateway's plain page: the public API, read from the route table, and links to the docs,
 * health and the OpenAPI document. Static HTML, no script. Served at `/api` always, and at `/` when
 * the web UI has not been built.
 *
 * @example
 * renderHomePage(PUBLIC_ROUTES, { uiBuilt: false }) // '<!doctype html>…run <code>npm run build</code>…'
 */
export function renderHomePage(routes: readonly PublicRoute[], { uiBuilt }: HomePageOptions): string {
  const rows = routes
    .map(
      (r) =>
        `<tr><td class="method"><code>${r.method}</code></td><td><code>${escapeHtml(openApiPath(r.path))}</code></td>` +
        `<td>${escapeHtml(r.summary)}</td><td>${escapeHtml(r.service)}</td></tr>`,
    )
    .join('\n      ');
  const views = COMPOSED_VIEWS.map(
    (v) =>
      `<tr><td class="method"><code>${v.method}</code></td><td><code>${escapeHtml(openApiPath(v.path))}</code></td>` +
      `<td>${escapeHtml(v.summary)}</td><td>${escapeHtml(v.services.join(', '))}</td></tr>`,
  ).join('\n      ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Microshop</title>
  <style>${STYLE}
  </style>
</head>
<body>
  <h1>Microshop</h1>
  <p class="lead">Four services, each with its own database, behind this gateway.</p>
  ${uiBuilt ? '' : UI_HINT}
  <nav>${uiBuilt ? '<a href="/">Web UI</a>' : ''}<a href="/docs">API reference</a><a href="/health">Health</a><a href="/api/traces">Recent traces</a><a href="/openapi.json">OpenAPI document</a></nav>
  <h2>Public API</h2>
  <p>The gateway forwards exactly these operations; anything else is a 404 here.</p>
  <table>
    <thead><tr><th>Method</th><th>Path</th><th>Operation</th><th>Service</th></tr></thead>
    <tbody>
      ${rows}
    </tbody>
  </table>
  <h2>Composed views</h2>
  <p>The gateway answers these itself, asking several services at once; a part that cannot be fetched is null and named in <code>degraded</code>.</p>
  <table>
    <thead><tr><th>Method</th><th>Path</th><th>View</th><th>Services</th></tr></thead>
    <tbody>
      ${views}
    </tbody>
  </table>
  <h2>Traces</h2>
  <p>Every request is traced across the services it reaches; each response names its trace in <code>X-Trace-Id</code>. The gateway keeps the most recent traces in memory.</p>
  <table>
    <thead><tr><th>Method</th><th>Path</th><th>What</th></tr></thead>
    <tbody>
      ${TRACE_ROWS}
    </tbody>
  </table>
  <h2>Metrics</h2>
  <p>Every process counts its requests, its calls to other services and its database queries; the gateway scrapes them every few seconds for the live overview.</p>
  <table>
    <thead><tr><th>Method</th><th>Path</th><th>What</th></tr></thead>
    <tbody>
      ${METRIC_ROWS}
    </tbody>
  </table>
  <h2>Admin: chaos and resilience</h2>
  <p>Each needs the admin credential in the <code>x-admin-token</code> header (<code>npm start</code> prints where it is: <code>cat .microshop/admin-token</code>). Faults apply to a service's API routes, never to <code>/health</code>, <code>/metrics</code> or <code>/internal/*</code>.</p>
  <table>
    <thead><tr><th>Method</th><th>Path</th><th>What</th></tr></thead>
    <tbody>
      ${ADMIN_ROWS}
    </tbody>
  </table>
</body>
</html>
`;
}
