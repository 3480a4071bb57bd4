import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One built file of the web UI, held in memory. */
export interface UiFile {
  body: Buffer;
  contentType: string;
  /** True for content-hashed files (`/assets/…`): they never change under the same name. */
  immutable: boolean;
}

/** The built web UI: `index.html` plus every other file under its URL path (`/assets/index-3f2a.js`). */
export interface UiBundle {
  index: Buffer;
  files: ReadonlyMap<string, UiFile>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * Reads the built web UI (`vite build` output) into memory, or returns `undefined` when it has not
 * been built (no `index.html`). Only files present at start-up are ever served, so no request path
 * reaches the file system.
 *
 * @example
 * const ui = loadUiBundle('/repo/services/gateway/web/dist')
 * ui?.files.get('/favicon.svg')?.contentType // 'image/svg+xml'
 */
export function loadUiBundle(dir: string): UiBundle | undefined {
  const indexPath = path.join(dir, 'index.html');
  if (!existsSync(indexPath) || !statSync(indexPath).isFile()) return undefined;
  const files = new Map<string, UiFile>();
  for (const full of walk(dir)) {
    const urlPath = '/' + path.relative(dir, full).split(path.sep).join('/');
    if (urlPath === '/index.html') continue;
    const contentType = CONTENT_TYPES[path.extname(full).toLowerCase()] ?? 'application/octet-stream';
    files.set(urlPath, { body: readFileSync(full), contentType, immutable: urlPath.startsWith('/assets/') });
  }
  return { index: readFileSync(indexPath), files };
}
