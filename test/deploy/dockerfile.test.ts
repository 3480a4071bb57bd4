import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVICES, type ServiceName } from '@microshop/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isIgnored, parseDockerignore } from './support/dockerignore.js';
import { imageConfig, parseDockerfile } from './support/dockerfile.js';
import { contextProblems, copyProblems, imageProblems, loadDockerfile, satisfiesEngines } from './support/dockerfile-checks.js';
import { readText, ROOT } from './support/files.js';
import { DEPLOYED } from './support/service-config.js';

const run = promisify(execFile);
const DOCKERFILE = readText(path.join(ROOT, 'deploy/Dockerfile'));
const DOCKERIGNORE = readText(path.join(ROOT, '.dockerignore'));
const ALL = Object.keys(SERVICES) as ServiceName[];

describe('deploy/Dockerfile', () => {
  test('each service\'s image: exact node:20 slim base, non-root, its port exposed, its health checked with node, its compiled entry point run', () => {
    expect(imageProblems(loadDockerfile(), ALL)).toEqual([]);
  });

  test('every COPY from the build context exists and is kept by .dockerignore; every COPY --from names an earlier stage', () => {
    expect(copyProblems(loadDockerfile(), DOCKERIGNORE)).toEqual([]);
  });

  test('.dockerignore keeps every file the build reads and leaves out what was built or installed here', () => {
    expect(contextProblems(DOCKERIGNORE)).toEqual([]);
  });

  test('the stages: the manifests alone, the toolchain, the build, the bundle, production dependencies only, then the image', () => {
    const dockerfile = loadDockerfile();
    expect(dockerfile.stages.map((s) => s.name ?? '(image)')).toEqual(['manifests', 'toolchain', 'build', 'bundle', 'production-deps', '(image)']);
    const runs = (name: string) => (dockerfile.stages.find((s) => s.name === name)?.instructions ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.raw);
    expect(runs('toolchain').join()).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    expect(runs('build').join()).toMatch(/npm ci/);
    expect(runs('build').join()).toMatch(/npm run build/);
    expect(runs('production-deps').join()).toMatch(/npm ci --omit=dev .*--workspace "services\/\$\{SERVICE\}"/);
    const final = imageConfig(dockerfile, { SERVICE: 'order-service', PORT: '5003' });
    expect(final.copies.filter((c) => c.stage === '5').map((c) => c.from)).toEqual(['production-deps', 'bundle']);
  });

  describe('the HEALTHCHECK command, run', () => {
    let server: Server;
    let status = 200;
    const paths: string[] = [];
    beforeAll(async () => {
      server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(status).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });
    const healthcheck = () => {
      const check = imageConfig(loadDockerfile(), { SERVICE: 'user-service', PORT: '5001' }).healthcheck;
      return JSON.parse((check?.raw ?? '').replace(/^CMD /, '')) as string[];
    };
    const exitCode = async (port: number) => {
      const [command, ...args] = healthcheck();
      expect(command).toBe('node');
      try {
        await run(process.execPath, args, { env: { PORT: String(port) }, timeout: 10_000 });
        return 0;
      } catch (error) {
        return (error as { code?: number }).code;
      }
    };

    test('passes on 200 from /health, fails on 503 and when nothing listens', async () => {
      const port = (server.address() as AddressInfo).port;
      status = 200;
      expect(await exitCode(port)).toBe(0);
      status = 503;
      expect(await exitCode(port)).toBe(1);
      expect(paths).toEqual(['/health', '/health']);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const free = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      expect(await exitCode(free)).toBe(1);
    });
  });
});

describe('deploy/bundle.mjs (the image\'s bundle stage)', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'microshop-bundle-'));
  });
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  test.each(DEPLOYED)('%s: its entry point, the telemetry preload and every workspace package it imports', async (service) => {
    const target = path.join(out, service);
    await run(process.execPath, [path.join(ROOT, 'deploy/bundle.mjs'), service, target, '--port', String(SERVICES[service].port)]);
    expect(existsSync(path.join(target, `services/${service}/dist/main.js`))).toBe(true);
    expect(existsSync(path.join(target, 'packages/chassis/dist/telemetry/register.js'))).toBe(true);
    expect(existsSync(path.join(target, 'services/gateway/web/dist/index.html'))).toBe(service === 'gateway');
    // Every @microshop/* package the compiled code imports is in the bundle.
    const imported = new Set<string>();
    const scan = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) scan(file);
        else if (entry.name.endsWith('.js')) for (const match of readText(file).matchAll(/from '(@microshop\/[a-z-]+)/g)) imported.add(match[1] as string);
      }
    };
    scan(path.join(target, 'services', service, 'dist'));
    scan(path.join(target, 'packages'));
    const bundled = readdirSync(path.join(target, 'packages')).map((name) => `@microshop/${name}`);
    expect([...imported].filter((name) => !bundled.includes(name))).toEqual([]);
  });

  test('refuses a PORT that is not the service\'s, and a service that does not exist', async () => {
    await expect(run(process.execPath, [path.join(ROOT, 'deploy/bundle.mjs'), 'order-service', path.join(out, 'x'), '--port', '5004'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('PORT 5004 is not the port of order-service: it listens on 5003') as unknown,
    });
    await expect(run(process.execPath, [path.join(ROOT, 'deploy/bundle.mjs'), 'basket-service', path.join(out, 'y')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('basket-service is not a service') as unknown,
    });
  });
});

describe('the Dockerfile checks fail on broken copies', () => {
  const broken = (from: string | RegExp, to: string) => {
    const text = DOCKERFILE.replace(from, to);
    expect(text).not.toBe(DOCKERFILE);
    return parseDockerfile(text);
  };

  test('an entry point the build does not make, a root user, a wrong port, another health path', () => {
    expect(imageProblems(broken('"dist/main.js"]', '"dist/server.js"]'), ['order-service'])).toEqual([
      'order-service: CMD ["node","--import","@microshop/chassis/telemetry/register","dist/server.js"] is not ["node","--import","@microshop/chassis/telemetry/register","dist/main.js"]',
    ]);
    expect(imageProblems(broken('USER 1000:1000', 'USER root'), ['order-service'])).toEqual(['order-service: USER root is not a numeric non-root user']);
    expect(imageProblems(broken('EXPOSE ${PORT}', 'EXPOSE 8080'), ['gateway'])).toEqual(['gateway: EXPOSE 8080, it listens on 5000']);
    expect(imageProblems(broken("+ '/health'", "+ '/healthz'"), ['payment-provider'])).toEqual(['payment-provider: HEALTHCHECK does not ask /health on process.env.PORT']);
    expect(imageProblems(broken('CMD ["node", "-e"', 'CMD ["curl", "-e"'), ['payment-provider'])).toEqual([
      'payment-provider: HEALTHCHECK is not `CMD ["node", "-e", …]` (the slim image has no curl)',
    ]);
    expect(imageProblems(broken('HOST=0.0.0.0', 'HOST=127.0.0.1 SERVCE=x'), ['user-service'])).toEqual([
      'user-service: ENV HOST=127.0.0.1: a container must listen on every interface',
      'user-service: ENV SERVCE is not a variable user-service reads',
    ]);
  });

  test('a floating or wrong base image', () => {
    expect(imageProblems(broken('node:20.20.2-bookworm-slim', 'node:20-bookworm-slim'), ['user-service'])).toContain('stage manifests: FROM node:20-bookworm-slim is not an exact version');
    expect(imageProblems(broken('node:20.20.2-bookworm-slim', 'node:22.12.0-bookworm-slim'), ['user-service'])).toEqual([
      'user-service: Node 22.12.0 is not the Node 20 the project requires (>=20.11 <21 || >=22)',
    ]);
    expect(satisfiesEngines('20.10.0', '>=20.11 <21 || >=22')).toBe(false);
    expect(satisfiesEngines('21.0.0', '>=20.11 <21 || >=22')).toBe(false);
  });

  test('a COPY of something missing, an ignored source, an unknown stage', () => {
    expect(copyProblems(broken('COPY tools/ tools/', 'COPY tool/ tools/'), DOCKERIGNORE)).toEqual([expect.stringMatching(/COPY tool\/: it does not exist$/)]);
    expect(copyProblems(loadDockerfile(), `${DOCKERIGNORE}\ntsconfig.*.json\n`)).toEqual([
      expect.stringMatching(/COPY tsconfig.base.json: .dockerignore leaves it out of the build context$/),
      expect.stringMatching(/COPY tsconfig.build.json: .dockerignore leaves it out of the build context$/),
    ]);
    expect(copyProblems(broken('--from=bundle', '--from=bundel'), DOCKERIGNORE)).toEqual([expect.stringMatching(/COPY --from=bundel names no earlier stage$/)]);
  });

  test('a .dockerignore that drops sources or keeps node_modules', () => {
    expect(contextProblems(`${DOCKERIGNORE}\nservices/*/src/routes\n`).length).toBeGreaterThan(5);
    expect(contextProblems(DOCKERIGNORE.replace('**/node_modules\n', ''))).toEqual(['.dockerignore keeps node_modules/typescript/package.json in the build context']);
    expect(contextProblems(DOCKERIGNORE.replace('!deploy/bundle.mjs\n', ''))).toEqual(['.dockerignore leaves out deploy/bundle.mjs, which the build reads']);
  });

  test('.dockerignore semantics: last match wins, ** spans folders, a folder drops what is below it', () => {
    const patterns = parseDockerignore('**/dist\ndeploy/*\n!deploy/bundle.mjs\n# comment\n*.md\n!README.md\ndocs\n');
    expect(isIgnored(patterns, 'services/gateway/web/dist/index.html')).toBe(true);
    expect(isIgnored(patterns, 'dist/x.js')).toBe(true);
    expect(isIgnored(patterns, 'deploy/compose.yaml')).toBe(true);
    expect(isIgnored(patterns, 'deploy/bundle.mjs')).toBe(false);
    expect(isIgnored(patterns, 'CHANGES.md')).toBe(true);
    expect(isIgnored(patterns, 'README.md')).toBe(false);
    expect(isIgnored(patterns, 'services/x/README.md')).toBe(false);
    expect(isIgnored(patterns, 'docs/adr/0001.md')).toBe(true);
    expect(isIgnored(patterns, 'packages/chassis/src/index.ts')).toBe(false);
  });
});
