import type { App } from '@microshop/chassis';
import { UI_CSP } from './ui-pages.js';

/**
 * Headers on every answer of the gateway, whatever it is: no content sniffing, no referrer sent
 * on, no framing (the old header, for browsers without `frame-ancestors`), a browsing context and
 * resources of its own.
 */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/** The policy of every answer that is not a page (JSON, problems, metrics): nothing may load from it, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The one inline style the Swagger UI renders: the `<style>` inside its logo's SVG
 * (`.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`), allowed by its hash and
 * nothing else. Another version of `@fastify/swagger-ui` may draw another one: the browser test of
 * `/docs` (test/e2e/gateway-hardening.test.ts) then reports the violation.
 */
const SWAGGER_LOGO_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * The policy of the Swagger UI at `/docs`: its scripts, styles and fonts from this origin, its
 * calls to this origin (the document, "Try it out"); its logo is a `data:` image.
 */
export const DOCS_CSP = UI_CSP.replace("style-src 'self'", `style-src 'self' ${SWAGGER_LOGO_STYLE}`);

/** Every security header of an answer with no policy of its own, as written on the socket for Node's own error answers. */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'content-security-policy': API_CSP };

/**
 * Adds {@link SECURITY_HEADERS} to every answer, and {@link API_CSP} to every answer that has no
 * policy of its own (the UI's pages and files, the `/api` page and `/docs` set theirs). Register
 * before any plugin: a plugin only gets the hooks its parent had when it was registered.
 */
export function registerSecurityHeaders(app: App): void {
  // A callback hook: it runs on every answer, and a promise each would be pure overhead.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', API_CSP);
    done(null, payload);
  });
}
