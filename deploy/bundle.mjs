// Copies what one Microshop service runs, once the workspace is built, into a folder laid out like
// the repository: the service's package.json and dist/, the same for every workspace package it
// depends on (@microshop/chassis, @microshop/contracts, ...), and the gateway's built web UI. The
// image's build stage runs it (deploy/Dockerfile); node_modules comes from a separate
// production-only install.
//
//   node deploy/bundle.mjs order-service /bundle --port 5003
//
// It stops with a message, and the image build with it, when the service does not exist, is not
// built, or PORT is not the service's port in packages/contracts (SERVICES).
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Each workspace package's name → its folder (relative to the root), from the root package.json. */
function workspaceFolders(root) {
  const folders = new Map();
  for (const folder of readJson(path.join(root, 'package.json')).workspaces ?? []) {
    const manifest = path.join(root, folder, 'package.json');
    if (existsSync(manifest)) folders.set(readJson(manifest).name, folder);
  }
  return folders;
}

/** The folders `services/<service>` needs at run time: itself and its workspace dependencies, transitively (production dependencies only). */
export function foldersOf(service, root = ROOT) {
  const start = `services/${service}`;
  if (!/^[a-z0-9-]+$/.test(service) || !existsSync(path.join(root, start, 'package.json'))) throw new Error(`${service} is not a service: there is no ${start}/package.json`);
  const workspaces = workspaceFolders(root);
  const needed = [];
  const visit = (folder) => {
    if (needed.includes(folder)) return;
    needed.push(folder);
    for (const dependency of Object.keys(readJson(path.join(root, folder, 'package.json')).dependencies ?? {})) {
      const dependencyFolder = workspaces.get(dependency);
      if (dependencyFolder) visit(dependencyFolder);
    }
  };
  visit(start);
  return needed;
}

/** Copies the run-time files of `service` into `out`; returns the folders copied and the entry point (relative paths). */
export async function bundle(service, out, { root = ROOT, port } = {}) {
  const folders = foldersOf(service, root);
  const entry = `services/${service}/dist/main.js`;
  for (const folder of folders) {
    if (!existsSync(path.join(root, folder, 'dist'))) throw new Error(`${folder}/dist does not exist: run npm run build first`);
  }
  if (!existsSync(path.join(root, entry))) throw new Error(`${entry} does not exist: run npm run build first`);
  if (port !== undefined) {
    const contracts = path.join(root, 'packages/contracts/dist/index.js');
    const { SERVICES } = await import(pathToFileURL(contracts).href);
    const expected = SERVICES[service]?.port;
    if (expected === undefined) throw new Error(`${service} is not in SERVICES (packages/contracts)`);
    if (String(expected) !== String(port)) throw new Error(`PORT ${port} is not the port of ${service}: it listens on ${expected}`);
  }
  const copied = [];
  const copy = (relative) => {
    mkdirSync(path.dirname(path.join(out, relative)), { recursive: true });
    cpSync(path.join(root, relative), path.join(out, relative), { recursive: true, filter: (source) => !source.endsWith('.tsbuildinfo') });
    copied.push(relative);
  };
  for (const folder of folders) {
    copy(`${folder}/package.json`);
    copy(`${folder}/dist`);
    // The gateway serves its built web UI from web/dist beside its own dist/.
    if (existsSync(path.join(root, folder, 'web/dist/index.html'))) copy(`${folder}/web/dist`);
  }
  return { folders, copied, entry };
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const [service, out, flag, port] = process.argv.slice(2);
  if (!service || !out || (flag !== undefined && (flag !== '--port' || !port))) {
    process.stderr.write('usage: node deploy/bundle.mjs <service> <out-dir> [--port <port>]\n');
    process.exit(2);
  }
  try {
    const { copied, entry } = await bundle(service, path.resolve(out), { port });
    process.stdout.write(`${service}: ${copied.join(', ')} → ${out} (entry ${entry})\n`);
  } catch (error) {
    process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
