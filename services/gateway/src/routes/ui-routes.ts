import type { App } from '@microshop/chassis';
import type { UiBundle } from '../web/ui-files.js';
import { UI_CSP, UI_PAGES } from '../web/ui-pages.js';

/** A year: content-hashed assets never change under the same name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The built web UI: `index.html` for each of its pages (the UI routes on the client), and every
 * other built file at its own path, content-hashed assets with long cache headers. Every answer
 * carries the UI's policy (no inline script or style, no framing); the other security headers are
 * on every answer of the gateway (`web/security-headers.ts`).
 */
export function registerUiRoutes(app: App, ui: UiBundle): void {
  for (const page of UI_PAGES) {
    app.get(page, { schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-security-policy', UI_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(ui.index),
    );
  }
  for (const [urlPath, file] of ui.files) {
    app.get(urlPath, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-security-policy', UI_CSP)
        .header('cache-control', file.immutable ? IMMUTABLE : 'public, max-age=300')
        .type(file.contentType)
        .send(file.body),
    );
  }
}
