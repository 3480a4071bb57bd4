import { existsSync } from 'node:fs';
import path from 'node:path';
import { keyVariableOf, PRINCIPALS } from '@microshop/chassis';
import { SERVICES, type ServiceName } from '@microshop/contracts';
import { httpNeighbours, INFRASTRUCTURE } from './call-graph.js';
import { dependenciesOf, environmentOf, publishedPorts, type ComposeFile } from './compose.js';
import { imageConfig, parseDockerfile } from './dockerfile.js';
import { DEPLOY, isObject, parseYamlDocuments, readText, type JsonObject } from './files.js';
import { hostAndPort } from './k8s-checks.js';
import { COMPOSE_KEY_FILE, keyPairProblems, publicKeysProblems, RETIRED_CREDENTIAL } from './keys.js';
import { configErrors, DEPLOYED, variablesRead } from './service-config.js';

/**
 * The checks of deploy/compose.yaml. Each returns the problems it finds (empty when all is well), so
 * that the tests can run it on the real file and on a copy broken on purpose.
 */

/** What may be published on the host: the gateway, Jaeger's UI, Prometheus' UI. */
export const PUBLISHED = { gateway: SERVICES.gateway.port, jaeger: 16686, prometheus: 9090 } as const;

const dockerfile = () => parseDockerfile(readText(path.join(DEPLOY, 'Dockerfile')));

/** The Microshop service a compose service builds (its SERVICE build argument), if it builds deploy/Dockerfile. */
export function builtService(service: JsonObject): ServiceName | undefined {
  const build = service.build;
  if (!isObject(build) || !isObject(build.args)) return undefined;
  return typeof build.args.SERVICE === 'string' ? (build.args.SERVICE as ServiceName) : undefined;
}

/** The services, their builds, the dependencies, the networks and volumes, and what is published. */
export function composeStructureProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const names = Object.keys(compose.services);
  const networks = isObject(compose.networks) ? Object.keys(compose.networks) : [];
  const volumes = isObject(compose.volumes) ? Object.keys(compose.volumes) : [];
  for (const deployed of DEPLOYED) {
    const service = compose.services[deployed];
    if (!service) {
      problems.push(`${deployed}: not in compose.yaml`);
      continue;
    }
    const build = isObject(service.build) ? service.build : {};
    const args = isObject(build.args) ? build.args : {};
    if (build.context !== '..' || build.dockerfile !== 'deploy/Dockerfile') problems.push(`${deployed}: not built from deploy/Dockerfile with the repository as its context`);
    if (args.SERVICE !== deployed) problems.push(`${deployed}: built with SERVICE=${String(args.SERVICE)}`);
    if (args.PORT !== String(SERVICES[deployed].port)) problems.push(`${deployed}: built with PORT=${String(args.PORT)}, it listens on ${SERVICES[deployed].port}`);
    if (service.image !== `microshop/${deployed}:dev`) problems.push(`${deployed}: image ${String(service.image)}, not microshop/${deployed}:dev`);
  }
  if (compose.services.registry) problems.push('the registry is in compose.yaml: here every caller is given its neighbours\' addresses');
  for (const infrastructure of ['postgres', 'nats', 'jaeger', 'prometheus']) if (!compose.services[infrastructure]) problems.push(`${infrastructure}: not in compose.yaml`);

  const hasHealthcheck = (name: string) => {
    const service = compose.services[name];
    if (!service) return false;
    if (isObject(service.healthcheck)) return service.healthcheck.disable !== true;
    const built = builtService(service);
    return built !== undefined && imageConfig(dockerfile(), { SERVICE: built, PORT: String(SERVICES[built]?.port) }).healthcheck !== undefined;
  };
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [target, condition] of Object.entries(dependenciesOf(service))) {
      if (!compose.services[target]) problems.push(`${name}: depends on ${target}, which is not defined`);
      else if (condition === 'service_healthy' && !hasHealthcheck(target)) problems.push(`${name}: waits for ${target} to be healthy, which has no healthcheck`);
    }
    for (const network of Array.isArray(service.networks) ? service.networks : isObject(service.networks) ? Object.keys(service.networks) : []) {
      if (!networks.includes(String(network))) problems.push(`${name}: network ${String(network)} is not defined`);
    }
    for (const mount of Array.isArray(service.volumes) ? service.volumes : []) {
      const source = String(mount).split(':')[0] as string;
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(path.resolve(DEPLOY, source))) problems.push(`${name}: mounts ${source}, which does not exist`);
      } else if (!volumes.includes(source)) {
        problems.push(`${name}: volume ${source} is not defined`);
      }
    }
    for (const { host, container } of publishedPorts(service)) {
      const allowed = PUBLISHED[name as keyof typeof PUBLISHED];
      if (allowed === undefined) problems.push(`${name}: publishes ${host} → ${container}; only the gateway, Jaeger's UI and Prometheus' UI are published`);
      else if (container !== allowed) problems.push(`${name}: publishes container port ${container}, it serves on ${allowed}`);
    }
  }
  for (const name of Object.keys(PUBLISHED)) if (compose.services[name] && publishedPorts(compose.services[name]).length === 0) problems.push(`${name}: not published`);

  // Compose refuses a cycle in depends_on: so does this.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, trail: string[]) => {
    if (done.has(name)) return;
    if (visiting.has(name)) {
      problems.push(`depends_on cycle: ${[...trail, name].join(' → ')}`);
      return;
    }
    visiting.add(name);
    for (const target of Object.keys(dependenciesOf(compose.services[name] ?? {}))) if (compose.services[target]) visit(target, [...trail, name]);
    visiting.delete(name);
    done.add(name);
  };
  names.forEach((name) => visit(name, []));
  return problems;
}

/** Where each infrastructure service listens, from its `expose` list. */
const exposedPorts = (service: JsonObject | undefined) => (Array.isArray(service?.expose) ? service.expose.map((p) => Number(String(p).split('/')[0])) : []);

/**
 * Each service's environment: only variables its code reads, values its config accepts, an address for
 * every neighbour, every address a defined service on its port, one database per service and the same
 * URL given to PostgreSQL.
 */
export async function composeEnvironmentProblems(compose: ComposeFile): Promise<string[]> {
  const problems: string[] = [];
  const databases = new Map<string, string>();
  const publicKeySets = new Set<string>();
  const postgres = compose.services.postgres ? environmentOf(compose.services.postgres) : {};
  const environments = DEPLOYED.flatMap((service) => (compose.services[service] ? [{ service, env: environmentOf(compose.services[service]) }] : []));
  const refused = await configErrors(environments);
  for (const [index, { service: deployed, env }] of environments.entries()) {
    const read = variablesRead(deployed);
    for (const name of Object.keys(env)) if (!read.has(name)) problems.push(`${deployed}: ${name} is set but ${deployed} never reads it`);
    for (const error of refused[index] ?? []) problems.push(`${deployed}: ${error}`);
    for (const neighbour of httpNeighbours(deployed)) if (!env[neighbour.variable]) problems.push(`${deployed}: ${neighbour.variable} is not set: it would look for ${neighbour.service} on 127.0.0.1`);
    if (read.has('BROKER_URL') && !env.BROKER_URL) problems.push(`${deployed}: BROKER_URL is not set: its events would go over HTTP, whose subscribers are found through the registry`);
    if (read.has('DATABASE_URL') && !env.DATABASE_URL) problems.push(`${deployed}: DATABASE_URL is not set: it would write SQLite inside its container`);
    if (!env.GATEWAY_URL && env.TRACES_TO_GATEWAY !== 'false') problems.push(`${deployed}: GATEWAY_URL is not set: its spans would go to 127.0.0.1`);
    for (const problem of keyPairProblems(deployed, env)) problems.push(`${deployed}: ${problem}`);
    if (env.SERVICE_PUBLIC_KEYS) publicKeySets.add(env.SERVICE_PUBLIC_KEYS);
    if (deployed === 'gateway' && !env.ADMIN_TOKEN) problems.push('gateway: ADMIN_TOKEN is not set');
    for (const [name, value] of Object.entries(env)) {
      if (!/^(?:dns\+)?[a-z]+:\/\//.test(value)) continue;
      const target = hostAndPort(value);
      const host = target ? compose.services[target.host] : undefined;
      if (!target || !host) {
        problems.push(`${deployed}: ${name}=${value} names no service of compose.yaml`);
        continue;
      }
      const built = builtService(host);
      const listens = built ? [SERVICES[built].port] : exposedPorts(host);
      if (!listens.includes(target.port)) problems.push(`${deployed}: ${name} uses ${target.host}:${target.port}, which listens on ${listens.join(', ') || 'nothing declared'}`);
      const expected: string | undefined =
        httpNeighbours(deployed).find((n) => n.variable === name)?.service ??
        ({ DATABASE_URL: 'postgres', BROKER_URL: 'nats', OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger', GATEWAY_URL: 'gateway' } as Record<string, string>)[name];
      if (expected && target.host !== expected) problems.push(`${deployed}: ${name} points at ${target.host}, not ${expected}`);
      const expectedPort = expected === undefined ? undefined : expected in SERVICES ? SERVICES[expected as ServiceName].port : INFRASTRUCTURE[expected as keyof typeof INFRASTRUCTURE];
      if (expectedPort !== undefined && target.port !== expectedPort) problems.push(`${deployed}: ${name} uses port ${target.port}, ${expected} listens on ${expectedPort}`);
    }
    if (env.DATABASE_URL) {
      const database = /\/([^/?]+)(\?.*)?$/.exec(env.DATABASE_URL)?.[1] ?? '';
      const owner = databases.get(database);
      if (owner) problems.push(`${deployed} and ${owner} share the database ${database}: each service has its own`);
      databases.set(database, deployed);
      const key = `${deployed.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
      if (postgres[key] !== env.DATABASE_URL) problems.push(`${deployed}: PostgreSQL's ${key} is not its DATABASE_URL: the init script would create another role or database`);
    }
  }
  if (publicKeySets.size > 1) problems.push('the services are given different SERVICE_PUBLIC_KEYS: some would refuse calls others accept');
  for (const text of publicKeySets) problems.push(...publicKeysProblems(text, DEPLOYED));
  const urlKeys = Object.keys(postgres).filter((k) => k.endsWith('_DATABASE_URL')).length;
  if (urlKeys !== databases.size) problems.push(`PostgreSQL is given ${urlKeys} database URLs for ${databases.size} services with a database`);
  return problems;
}

/** deploy/prometheus/compose.yml: a job per service, found by Docker's DNS under its compose name, on its port. */
export function composePrometheusProblems(compose: ComposeFile, configText: string): string[] {
  const problems: string[] = [];
  const prometheus = compose.services.prometheus;
  const mount = (Array.isArray(prometheus?.volumes) ? prometheus.volumes : []).map(String).find((v) => v.includes(':/etc/prometheus/prometheus.yml'));
  if (mount?.split(':')[0] !== './prometheus/compose.yml') problems.push('prometheus does not mount ./prometheus/compose.yml as its configuration');
  const [parsed] = parseYamlDocuments(configText, 'prometheus/compose.yml');
  const jobs = isObject(parsed) && Array.isArray(parsed.scrape_configs) ? parsed.scrape_configs.filter(isObject) : [];
  for (const deployed of DEPLOYED) {
    const job = jobs.find((j) => j.job_name === deployed);
    const sd = job && Array.isArray(job.dns_sd_configs) ? job.dns_sd_configs.filter(isObject)[0] : undefined;
    if (!sd) {
      problems.push(`prometheus: no dns_sd job for ${deployed}`);
      continue;
    }
    if (sd.port !== SERVICES[deployed].port) problems.push(`prometheus: ${deployed} scraped on ${String(sd.port)}, it listens on ${SERVICES[deployed].port}`);
    if (JSON.stringify(sd.names) !== JSON.stringify([deployed]) || !compose.services[deployed]) problems.push(`prometheus: ${deployed} is looked up as ${JSON.stringify(sd.names)}`);
  }
  for (const job of jobs) if (!compose.services[String(job.job_name)]) problems.push(`prometheus: job ${String(job.job_name)} is no service of compose.yaml`);
  return problems;
}

/** `${ORDER_SERVICE_KEY:?message}`: the variable, and whether it is required (`:?`, no fallback). */
const REQUIRED_VARIABLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}$/;

/**
 * The service keys in compose.yaml as written (parsed, merge keys applied, not interpolated): each
 * Microshop service's SERVICE_KEY is `${<PRINCIPAL>_KEY:?…}` of its own principal and SERVICE_PUBLIC_KEYS
 * is `${SERVICE_PUBLIC_KEYS:?…}`, both required from deploy/.env with nothing to fall back to (a
 * default would be a key in the repository, the same for every installation); no other service is
 * given a key; the retired SERVICE_TOKEN is nowhere.
 */
export function composeKeyProblems(raw: ComposeFile): string[] {
  const problems: string[] = [];
  const keyVariables = new Set<string>([...PRINCIPALS.map(keyVariableOf), 'SERVICE_PUBLIC_KEYS']);
  for (const [name, service] of Object.entries(raw.services)) {
    const env = environmentOf(service);
    for (const [variable, value] of Object.entries(env)) if (RETIRED_CREDENTIAL.test(variable) || RETIRED_CREDENTIAL.test(value)) problems.push(`${name}: ${variable} is the retired shared SERVICE_TOKEN: each service signs its calls with its own SERVICE_KEY`);
    const deployed = (DEPLOYED as string[]).includes(name) ? (name as ServiceName) : undefined;
    if (!deployed) {
      for (const [variable, value] of Object.entries(env)) {
        const uses = [...keyVariables].filter((key) => value.includes(`\${${key}`) || value.includes(`$${key}`));
        if (variable === 'SERVICE_KEY' || variable === 'SERVICE_PUBLIC_KEYS' || uses.length > 0) problems.push(`${name}: ${variable} gives it service keys (${uses.join(', ') || variable}), and it is no Microshop service`);
      }
      continue;
    }
    const expected = { SERVICE_KEY: keyVariableOf(deployed), SERVICE_PUBLIC_KEYS: 'SERVICE_PUBLIC_KEYS' };
    for (const [variable, wanted] of Object.entries(expected)) {
      const value = env[variable];
      if (value === undefined) {
        problems.push(`${deployed}: ${variable} is not set`);
        continue;
      }
      const match = REQUIRED_VARIABLE.exec(value);
      if (match?.[1] === wanted) continue;
      if (match) problems.push(`${deployed}: ${variable} is \${${match[1] as string}}, not \${${wanted}}: ${variable === 'SERVICE_KEY' ? `another principal's key (${wanted} is ${deployed}'s)` : 'not the public keys'}`);
      else if (/^\$\{[A-Za-z_][A-Za-z0-9_]*:?-/.test(value)) problems.push(`${deployed}: ${variable} falls back to a value (${value.replace(/(:?-).*$/, '$1…}')}): it must be required (\${${wanted}:?…}) from ${COMPOSE_KEY_FILE}`);
      else if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\?/.test(value)) problems.push(`${deployed}: ${variable} accepts an empty ${wanted} (\${…?…}): it must be \${${wanted}:?…}`);
      else problems.push(`${deployed}: ${variable} is not \${${wanted}:?…}, read from ${COMPOSE_KEY_FILE}: a value written here would be a committed key`);
    }
  }
  return problems;
}
