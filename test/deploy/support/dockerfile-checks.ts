import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SERVICES, type ServiceName } from '@microshop/contracts';
import { isIgnored, parseDockerignore } from './dockerignore.js';
import { imageConfig, parseDockerfile, type Dockerfile } from './dockerfile.js';
import { readText, ROOT } from './files.js';
import { healthPaths, variablesRead } from './service-config.js';

/**
 * The checks of deploy/Dockerfile and .dockerignore. Each returns the problems it finds (empty when
 * all is well), so that the tests can run it on the real files and on copies broken on purpose.
 */

/** The exec form every image runs: the chassis' telemetry preload, then the compiled entry point. */
export const ENTRY_COMMAND = ['node', '--import', '@microshop/chassis/telemetry/register', 'dist/main.js'];

const rootManifest = () => JSON.parse(readText(path.join(ROOT, 'package.json'))) as { engines: { node: string }; workspaces: string[] };

/** Whether `version` (20.20.2) satisfies the root package.json's engines.node (`>=20.11 <21 || >=22`), for the forms it uses. */
export function satisfiesEngines(version: string, range: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  const compare = (op: string, target: string) => {
    const [tMajor = 0, tMinor = 0, tPatch = 0] = target.split('.').map(Number);
    const diff = major !== tMajor ? major - tMajor : minor !== tMinor ? minor - tMinor : patch - tPatch;
    return { '>=': diff >= 0, '>': diff > 0, '<': diff < 0, '<=': diff <= 0, '=': diff === 0 }[op] ?? false;
  };
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const match = /^(>=|<=|>|<|=)?(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (!match) throw new Error(`engines range ${range}: ${comparator} is not understood`);
        return compare(match[1] ?? '=', match[2] as string);
      }),
  );
}

/** What each image copies, exposes, runs and checks, for every service of the spec. */
export function imageProblems(dockerfile: Dockerfile, services: ServiceName[]): string[] {
  const problems: string[] = [];
  const [chassisHealth, gatewayHealth] = healthPaths();
  const stageNames = dockerfile.stages.map((s) => s.name).filter((n): n is string => n !== undefined);
  for (const stage of dockerfile.stages) {
    const base = stage.base.startsWith('${') ? String(dockerfile.globalArgs[stage.base.replace(/^\$\{|\}$/g, '')]) : stage.base;
    if (!stageNames.slice(0, stage.index).includes(base) && !/^[a-z0-9./-]+:v?\d+\.\d+\.\d+([-.][\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(base)) problems.push(`stage ${stage.name ?? stage.index}: FROM ${base} is not an exact version`);
  }
  for (const service of services) {
    const port = String(SERVICES[service].port);
    let image;
    try {
      image = imageConfig(dockerfile, { SERVICE: service, PORT: port });
    } catch (error) {
      problems.push(`${service}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const node = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(image.base);
    if (!node) problems.push(`${service}: the image is based on ${image.base}, not an exact node:<version>-bookworm-slim`);
    else if (!node[1]?.startsWith('20.') || !satisfiesEngines(node[1], rootManifest().engines.node)) problems.push(`${service}: Node ${node[1]} is not the Node 20 the project requires (${rootManifest().engines.node})`);
    if (!image.user || !/^[1-9]\d*(:\d+)?$/.test(image.user)) problems.push(`${service}: USER ${String(image.user)} is not a numeric non-root user`);
    if (JSON.stringify(image.expose) !== JSON.stringify([port])) problems.push(`${service}: EXPOSE ${image.expose.join(' ')}, it listens on ${port}`);
    if (image.env.PORT !== port) problems.push(`${service}: ENV PORT=${String(image.env.PORT)}, it listens on ${port}`);
    if (image.env.HOST !== '0.0.0.0') problems.push(`${service}: ENV HOST=${String(image.env.HOST)}: a container must listen on every interface`);
    const read = variablesRead(service);
    for (const name of Object.keys(image.env)) if (name !== 'NODE_ENV' && !read.has(name)) problems.push(`${service}: ENV ${name} is not a variable ${service} reads`);

    const cmd = image.cmd?.json;
    if (!cmd) problems.push(`${service}: CMD is not in the exec (JSON) form`);
    else if (JSON.stringify(cmd) !== JSON.stringify(ENTRY_COMMAND)) problems.push(`${service}: CMD ${JSON.stringify(cmd)} is not ${JSON.stringify(ENTRY_COMMAND)}`);
    else {
      const entry = path.posix.join(image.workdir, cmd[cmd.length - 1] as string);
      const relative = entry.replace(/^\/app\//, '');
      if (!entry.startsWith('/app/') || !existsSync(path.join(ROOT, relative))) problems.push(`${service}: the entry point ${entry} (${relative} in the build output) does not exist`);
      else if (relative !== `services/${service}/dist/main.js`) problems.push(`${service}: runs ${relative}, not services/${service}/dist/main.js`);
    }

    const check = image.healthcheck;
    const health = service === 'gateway' ? gatewayHealth : chassisHealth;
    const exec = check && check.raw.startsWith('CMD ') ? (() => {
      try {
        return JSON.parse(check.raw.slice(4)) as unknown;
      } catch {
        return undefined;
      }
    })() : undefined;
    if (!Array.isArray(exec) || exec[0] !== 'node' || exec[1] !== '-e' || typeof exec[2] !== 'string') problems.push(`${service}: HEALTHCHECK is not \`CMD ["node", "-e", …]\` (the slim image has no curl)`);
    else if (!exec[2].includes(`'${String(health)}'`) || !exec[2].includes('process.env.PORT')) problems.push(`${service}: HEALTHCHECK does not ask ${String(health)} on process.env.PORT`);
  }
  return problems;
}

/** Every COPY from the build context names something that exists and that .dockerignore keeps; every COPY --from names an earlier stage. */
export function copyProblems(dockerfile: Dockerfile, dockerignore: string): string[] {
  const problems: string[] = [];
  const patterns = parseDockerignore(dockerignore);
  const image = imageConfig(dockerfile, { SERVICE: 'order-service', PORT: String(SERVICES['order-service'].port) });
  const stageIndex = (name: string) => dockerfile.stages.findIndex((s) => (s.name ?? String(s.index)) === name);
  for (const copy of image.copies) {
    if (copy.from !== undefined) {
      const from = stageIndex(copy.from);
      if (from < 0 || from >= stageIndex(copy.stage)) problems.push(`line ${copy.line}: COPY --from=${copy.from} names no earlier stage`);
      continue;
    }
    for (const source of copy.sources) {
      const relative = source.replace(/^\.\/?/, '').replace(/\/$/, '');
      if (relative === '') continue;
      if (!existsSync(path.join(ROOT, relative))) problems.push(`line ${copy.line}: COPY ${source}: it does not exist`);
      else if (isIgnored(patterns, relative)) problems.push(`line ${copy.line}: COPY ${source}: .dockerignore leaves it out of the build context`);
    }
  }
  return problems;
}

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(ROOT, relative), { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git'].includes(entry.name)) continue;
      const inner = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(inner);
      else found.push(inner);
    }
  };
  if (existsSync(path.join(ROOT, dir))) walk(dir);
  return found;
}

/**
 * .dockerignore keeps every file the build reads (the manifests and lockfile, the TypeScript
 * configuration, every workspace's sources, the web UI's, the bundling script) and leaves out what
 * this machine built or installed.
 */
export function contextProblems(dockerignore: string): string[] {
  const patterns = parseDockerignore(dockerignore);
  const problems: string[] = [];
  const workspaces = rootManifest().workspaces;
  const needed = ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.base.json', 'tsconfig.build.json', 'deploy/bundle.mjs'];
  for (const workspace of workspaces) {
    if (!/^(packages|services|tools)\//.test(workspace)) problems.push(`workspace ${workspace} is outside packages/, services/ and tools/, where the image's build finds manifests`);
    needed.push(`${workspace}/package.json`);
    if (existsSync(path.join(ROOT, workspace, 'tsconfig.json'))) needed.push(`${workspace}/tsconfig.json`);
    needed.push(...filesUnder(`${workspace}/src`));
  }
  needed.push(...['index.html', 'vite.config.ts'].map((f) => `services/gateway/web/${f}`), ...filesUnder('services/gateway/web/public'));
  for (const file of needed) if (existsSync(path.join(ROOT, file)) && isIgnored(patterns, file)) problems.push(`.dockerignore leaves out ${file}, which the build reads`);
  for (const file of ['node_modules/typescript/package.json', 'packages/chassis/dist/index.js', '.git/HEAD', 'database/users.db', 'services/gateway/web/dist/index.html']) {
    if (!isIgnored(patterns, file)) problems.push(`.dockerignore keeps ${file} in the build context`);
  }
  return problems;
}

export const loadDockerfile = (): Dockerfile => parseDockerfile(readText(path.join(ROOT, 'deploy/Dockerfile')));
