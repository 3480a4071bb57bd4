import type { Upstream, Upstreams } from '../clients/upstreams.js';
import { openApiPath, type PublicRoute } from '../public-routes.js';
import { mergeOpenApi, type OpenApiDocument, type SourceDocument } from './merge-openapi.js';

export interface ApiDocsDeps {
  upstreams: Upstreams;
  routes: readonly PublicRoute[];
  /** The gateway's own document (its `/health`). */
  ownDocument: () => unknown;
  version: string;
  /** How long a complete merged document is served before it is built again. */
  ttlMs: number;
  now: () => number;
}

/** The merged API document, built on demand and kept for a while. */
export interface ApiDocs {
  /** The current document: cached when complete and fresh, otherwise built now. Never throws for a down service. */
  get(): Promise<OpenApiDocument>;
  /** The last document built, without waiting. */
  latest(): OpenApiDocument | undefined;
}

async function fetchDocument({ probe }: Upstream): Promise<unknown> {
  try {
    const { status, body } = await probe.call<unknown>({ path: '/openapi.json' });
    return status === 200 ? body : undefined;
  } catch {
    return undefined;
  }
}

const allowedFor = (routes: readonly PublicRoute[], service: string) =>
  routes.filter((r) => r.service === service).map((r) => ({ path: openApiPath(r.path), method: r.method.toLowerCase() }));

/**
 * The public API as one OpenAPI document: each service's own document, cut down to the public
 * route table. A complete result is cached for `ttlMs`; one missing a service is not, so the
 * service reappears as soon as it is back. Concurrent requests share one build.
 */
export function createApiDocs({ upstreams, routes, ownDocument, version, ttlMs, now }: ApiDocsDeps): ApiDocs {
  const info = {
    title: 'Microshop API',
    version,
    description: 'The public API of Microshop, served by the gateway. Each operation is tagged with the service that owns it.',
  };
  let cached: { document: OpenApiDocument; at: number } | undefined;
  let pending: Promise<OpenApiDocument> | undefined;
  let latest: OpenApiDocument | undefined;

  const build = async (): Promise<OpenApiDocument> => {
    const fetched = await Promise.all(
      Object.values(upstreams).map(async (u): Promise<SourceDocument> => ({ name: u.service, document: await fetchDocument(u), allow: allowedFor(routes, u.service) })),
    );
    const document = mergeOpenApi(info, [{ name: 'gateway', document: ownDocument() }, ...fetched]);
    latest = document;
    cached = document['x-unavailable'].length === 0 ? { document, at: now() } : undefined;
    return document;
  };

  return {
    get() {
      if (cached && now() - cached.at < ttlMs) return Promise.resolve(cached.document);
      pending ??= build().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    latest: () => latest,
  };
}
