import { COMPOSED_VIEWS, openApiPath, type PublicRoute } from '../public-routes.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { margin-bottom: 0; } p.lead { margin-top: .25rem; color: #59636e; }
  nav a { margin-right: 1.25rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #d1d9e0; }
  code { font: 14px ui-monospace, monospace; }
  .method { font-weight: 600; width: 5rem; }`;

/**
 * The gateway's start page: the public API, read from the route table, and links to the docs,
 * health and the OpenAPI document. Static HTML, no script.
 */
export function renderHomePage(routes: readonly PublicRoute[]): string {
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
  <nav><a href="/docs">API reference</a><a href="/health">Health</a><a href="/openapi.json">OpenAPI document</a></nav>
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
</body>
</html>
`;
}
