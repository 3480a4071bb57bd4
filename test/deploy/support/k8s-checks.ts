import { PRINCIPALS } from '@microshop/chassis';
import { MAX_REPLICAS, SERVICES, type ServiceName } from '@microshop/contracts';
import { httpNeighbours, INFRASTRUCTURE } from './call-graph.js';
import { isObject, parseYamlDocuments, type JsonObject } from './files.js';
import { keyPairProblems, PUBLIC_KEYS_CONFIG_MAP, publicKeysProblems, RETIRED_CREDENTIAL, SERVICE_KEYS_SECRET } from './keys.js';
import { containersOf, podSpecOf, type Resource } from './kustomize.js';
import { configErrors, DEPLOYED, healthPaths, variablesRead } from './service-config.js';

/**
 * The checks of the rendered Kubernetes manifests. Each returns the problems it finds (empty when all
 * is well), so that the tests can run it on the real manifests and on a copy broken on purpose.
 */

export const NAMESPACE = 'microshop';

const find = (resources: Resource[], kind: string, name: string) => resources.find((r) => r.kind === kind && r.metadata.name === name);
const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** The one container of a service's Deployment (named after the service). */
export function serviceContainer(resources: Resource[], service: string): JsonObject | undefined {
  const deployment = find(resources, 'Deployment', service);
  const pod = deployment && podSpecOf(deployment);
  return pod ? containersOf(pod).find((c) => c.name === service) : undefined;
}

function selectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isObject(selector) || !isObject(labels) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

const templateLabels = (workload: Resource) => (isObject(workload.spec) && isObject(workload.spec.template) && isObject(workload.spec.template.metadata) ? workload.spec.template.metadata.labels : undefined);

/** Ports and probes equal each service's real config: SERVICES' port, the health route the code registers. */
export function workloadProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  const [chassisHealth, gatewayHealth] = healthPaths();
  for (const service of DEPLOYED) {
    const port = SERVICES[service].port;
    const health = service === 'gateway' ? gatewayHealth : chassisHealth;
    const deployment = find(resources, 'Deployment', service);
    const container = serviceContainer(resources, service);
    if (!deployment || !container) {
      problems.push(`${service}: no Deployment with a container named ${service}`);
      continue;
    }
    const http = objects(container.ports).find((p) => p.name === 'http');
    if (http?.containerPort !== port) problems.push(`${service}: container port http is ${String(http?.containerPort)}, the service listens on ${port}`);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const get = isObject(container[probe]) ? container[probe].httpGet : undefined;
      if (!isObject(get)) {
        problems.push(`${service}: no ${probe} over HTTP`);
        continue;
      }
      if (get.path !== health) problems.push(`${service}: ${probe} asks ${String(get.path)}, the service answers its health on ${String(health)}`);
      const probePort = typeof get.port === 'string' ? objects(container.ports).find((p) => p.name === get.port)?.containerPort : get.port;
      if (probePort !== port) problems.push(`${service}: ${probe} goes to port ${String(get.port)} (${String(probePort)}), the service listens on ${port}`);
    }
    const headless = find(resources, 'Service', service);
    if (!headless || !isObject(headless.spec)) {
      problems.push(`${service}: no Service named ${service}`);
      continue;
    }
    if (headless.spec.clusterIP !== 'None') problems.push(`${service}: its Service must be headless (clusterIP: None) for dns+http:// discovery and Prometheus' DNS discovery`);
    if (!selectorMatches(headless.spec.selector, templateLabels(deployment))) problems.push(`${service}: its Service does not select its pods`);
    const servicePort = objects(headless.spec.ports).find((p) => p.port === port);
    if (!servicePort || (servicePort.targetPort !== 'http' && servicePort.targetPort !== port)) problems.push(`${service}: its Service does not forward port ${port} to the container's`);
  }
  const registry = resources.filter((r) => r.metadata.name === 'registry');
  if (registry.length > 0) problems.push('the registry is deployed: on a cluster discovery is DNS (ADR 0012)');
  return problems;
}

/** Non-root, no privilege escalation, no capabilities, read-only root, seccomp, no API token, and resources. */
export function securityProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  for (const workload of resources) {
    const pod = podSpecOf(workload);
    if (!pod) continue;
    const name = `${workload.kind}/${workload.metadata.name}`;
    const podSecurity = isObject(pod.securityContext) ? pod.securityContext : {};
    if (podSecurity.runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not true`);
    if (typeof podSecurity.runAsUser !== 'number' || podSecurity.runAsUser === 0) problems.push(`${name}: runAsUser must be a non-zero uid`);
    if (!isObject(podSecurity.seccompProfile) || podSecurity.seccompProfile.type !== 'RuntimeDefault') problems.push(`${name}: seccompProfile is not RuntimeDefault`);
    if (pod.automountServiceAccountToken !== false) problems.push(`${name}: mounts a service account token it does not need`);
    if (pod.enableServiceLinks !== false) problems.push(`${name}: enableServiceLinks adds variables of every Service to its environment`);
    for (const container of containersOf(pod)) {
      const at = `${name} container ${String(container.name)}`;
      const security = isObject(container.securityContext) ? container.securityContext : {};
      if (security.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (security.readOnlyRootFilesystem !== true) problems.push(`${at}: the root file system is writable`);
      const drop = isObject(security.capabilities) ? security.capabilities.drop : undefined;
      if (!Array.isArray(drop) || !drop.includes('ALL')) problems.push(`${at}: capabilities are not all dropped`);
      if (isObject(security.capabilities) && security.capabilities.add !== undefined) problems.push(`${at}: adds capabilities`);
      const resourcesOf = isObject(container.resources) ? container.resources : {};
      for (const [bound, kinds] of [['requests', ['cpu', 'memory']], ['limits', ['cpu', 'memory']]] as const) {
        const set = isObject(resourcesOf[bound]) ? resourcesOf[bound] : {};
        for (const kind of kinds) if (set[kind] === undefined) problems.push(`${at}: no ${kind} ${bound}`);
      }
    }
  }
  return problems;
}

/** Every ConfigMap and Secret a pod names exists, with every key it reads; every generated name is used. */
export function referenceProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  const dataOf = (kind: string, name: unknown) => {
    const found = typeof name === 'string' ? find(resources, kind, name) : undefined;
    return found && isObject(found.data) ? found.data : found ? {} : undefined;
  };
  for (const workload of resources) {
    const pod = podSpecOf(workload);
    if (!pod) continue;
    const name = `${workload.kind}/${workload.metadata.name}`;
    for (const container of containersOf(pod)) {
      for (const from of objects(container.envFrom)) {
        if (isObject(from.configMapRef) && !dataOf('ConfigMap', from.configMapRef.name)) problems.push(`${name}: ConfigMap ${String(from.configMapRef.name)} does not exist`);
        if (isObject(from.secretRef) && !dataOf('Secret', from.secretRef.name)) problems.push(`${name}: Secret ${String(from.secretRef.name)} does not exist`);
      }
      for (const variable of objects(container.env)) {
        const source = isObject(variable.valueFrom) ? variable.valueFrom : undefined;
        for (const [field, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
          const ref = source?.[field];
          if (!isObject(ref)) continue;
          const data = dataOf(kind, ref.name);
          if (!data) problems.push(`${name}: ${kind} ${String(ref.name)} (for ${String(variable.name)}) does not exist`);
          else if (typeof ref.key !== 'string' || !(ref.key in data)) problems.push(`${name}: ${kind} ${String(ref.name)} has no key ${String(ref.key)} (for ${String(variable.name)})`);
        }
      }
    }
    for (const volume of objects(pod.volumes)) {
      if (isObject(volume.configMap) && !dataOf('ConfigMap', volume.configMap.name)) problems.push(`${name}: volume ConfigMap ${String(volume.configMap.name)} does not exist`);
      if (isObject(volume.secret) && !dataOf('Secret', volume.secret.secretName)) problems.push(`${name}: volume Secret ${String(volume.secret.secretName)} does not exist`);
    }
  }
  return problems;
}

/** A container's environment with every value resolved: literals, ConfigMaps, Secrets (decoded), the pod name for a fieldRef. */
export function resolvedEnvironment(resources: Resource[], container: JsonObject, podName = 'pod-0'): Record<string, string> {
  const env: Record<string, string> = {};
  const dataOf = (kind: string, name: unknown): Record<string, string> => {
    const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
    const data = found && isObject(found.data) ? (found.data as Record<string, string>) : {};
    return kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v.replace(/\n/g, ''), 'base64').toString('utf8')])) : data;
  };
  for (const from of objects(container.envFrom)) {
    if (isObject(from.configMapRef)) Object.assign(env, dataOf('ConfigMap', from.configMapRef.name));
    if (isObject(from.secretRef)) Object.assign(env, dataOf('Secret', from.secretRef.name));
  }
  for (const variable of objects(container.env)) {
    const name = String(variable.name);
    if (typeof variable.value === 'string') env[name] = variable.value;
    const source = isObject(variable.valueFrom) ? variable.valueFrom : undefined;
    if (!source) continue;
    if (isObject(source.fieldRef)) env[name] = source.fieldRef.fieldPath === 'metadata.name' ? podName : `(${String(source.fieldRef.fieldPath)})`;
    if (isObject(source.configMapKeyRef)) env[name] = dataOf('ConfigMap', source.configMapKeyRef.name)[String(source.configMapKeyRef.key)] ?? '';
    if (isObject(source.secretKeyRef)) env[name] = dataOf('Secret', source.secretKeyRef.name)[String(source.secretKeyRef.key)] ?? '';
  }
  return env;
}

/** `dns+http://order-service:5003`, `http://jaeger:4318`, `nats://nats:4222`, `postgres://u:p@postgres:5432/db` → host and port. */
export function hostAndPort(url: string): { host: string; port: number } | undefined {
  const match = /^(?:dns\+)?[a-z]+:\/\/(?:[^@/]*@)?([^:/?#]+)(?::(\d+))?/.exec(url);
  if (!match) return undefined;
  const defaults: Record<string, number> = { http: 80, https: 443, nats: 4222, postgres: 5432 };
  const scheme = /^(?:dns\+)?([a-z]+):/.exec(url)?.[1] ?? '';
  return { host: (match[1] as string).replace(new RegExp(`\\.${NAMESPACE}(\\.svc(\\.cluster\\.local)?)?$`), ''), port: match[2] ? Number(match[2]) : (defaults[scheme] ?? 0) };
}

/** The Service named `host` and the workload it selects, if the Service has `port`. */
function serviceTarget(resources: Resource[], host: string, port: number): { workload?: string; problem?: string } {
  const service = find(resources, 'Service', host);
  if (!service || !isObject(service.spec)) return { problem: `no Service ${host}` };
  if (!objects(service.spec.ports).some((p) => p.port === port)) return { problem: `Service ${host} has no port ${port}` };
  const workload = resources.find((r) => podSpecOf(r) && selectorMatches(isObject(service.spec) ? service.spec.selector : undefined, templateLabels(r)));
  return workload ? { workload: workload.metadata.name } : { problem: `Service ${host} selects no pods` };
}

/**
 * Each service's environment: only variables its code reads, values its config accepts (the
 * compiled loadConfig), an address for every neighbour it calls, and every address pointing at the
 * Service of what it names, on that Service's port.
 */
export async function environmentProblems(resources: Resource[]): Promise<string[]> {
  const problems: string[] = [];
  const databases = new Map<string, string>();
  const environments = DEPLOYED.flatMap((service) => {
    const container = serviceContainer(resources, service);
    if (!container) problems.push(`${service}: no container`);
    return container ? [{ service, env: resolvedEnvironment(resources, container, `${service}-0`) }] : [];
  });
  const refused = await configErrors(environments);
  for (const [index, { service, env }] of environments.entries()) {
    const read = variablesRead(service);
    for (const name of Object.keys(env)) if (!read.has(name)) problems.push(`${service}: ${name} is set but ${service} never reads it`);
    for (const error of refused[index] ?? []) problems.push(`${service}: ${error}`);
    for (const neighbour of httpNeighbours(service)) if (!env[neighbour.variable]) problems.push(`${service}: ${neighbour.variable} is not set: it would look for ${neighbour.service} on 127.0.0.1`);
    if (read.has('BROKER_URL') && !env.BROKER_URL) problems.push(`${service}: BROKER_URL is not set: its events would go over HTTP, whose subscribers are found through the registry`);
    if (read.has('DATABASE_URL') && !env.DATABASE_URL) problems.push(`${service}: DATABASE_URL is not set: it would write SQLite inside its container`);
    if (!env.GATEWAY_URL && env.TRACES_TO_GATEWAY !== 'false') problems.push(`${service}: GATEWAY_URL is not set: its spans would go to 127.0.0.1`);
    for (const problem of keyPairProblems(service, env)) problems.push(`${service}: ${problem}`);
    if (service === 'gateway' && !env.ADMIN_TOKEN) problems.push('gateway: ADMIN_TOKEN is not set');
    for (const [name, value] of Object.entries(env)) {
      if (!/^(?:dns\+)?[a-z]+:\/\//.test(value)) continue;
      const target = hostAndPort(value);
      if (!target) {
        problems.push(`${service}: ${name}=${value} is not a URL`);
        continue;
      }
      const { workload, problem } = serviceTarget(resources, target.host, target.port);
      if (problem) {
        problems.push(`${service}: ${name} points at ${target.host}:${target.port}: ${problem}`);
        continue;
      }
      const expected: string | undefined =
        httpNeighbours(service).find((n) => n.variable === name)?.service ??
        ({ DATABASE_URL: 'postgres', BROKER_URL: 'nats', OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger', GATEWAY_URL: 'gateway' } as Record<string, string>)[name];
      if (expected && workload !== expected) problems.push(`${service}: ${name} points at ${workload}, not ${expected}`);
      const expectedPort = expected === undefined ? undefined : expected in SERVICES ? SERVICES[expected as ServiceName].port : INFRASTRUCTURE[expected as keyof typeof INFRASTRUCTURE];
      if (expectedPort !== undefined && target.port !== expectedPort) problems.push(`${service}: ${name} uses port ${target.port}, ${expected} listens on ${expectedPort}`);
      if (name === 'DATABASE_URL') {
        const database = /\/([^/?]+)(\?.*)?$/.exec(value)?.[1] ?? '';
        const owner = databases.get(database);
        if (owner) problems.push(`${service} and ${owner} share the database ${database}: each service has its own`);
        databases.set(database, service);
      }
    }
  }
  return problems;
}

/** A generated ConfigMap or Secret by the name the manifests give it (kustomize adds `-<hash>`). */
export function generatedObject(resources: Resource[], kind: 'ConfigMap' | 'Secret', name: string): Resource | undefined {
  return resources.find((r) => r.kind === kind && (r.metadata.name === name || new RegExp(`^${name}-[a-z0-9]{10}$`).test(r.metadata.name)));
}

const isPrincipal = (name: string) => (PRINCIPALS as readonly string[]).includes(name);

/**
 * The service keys: every Deployment of a principal takes SERVICE_KEY from the Secret
 * microshop-service-keys, the key named after its own principal and no other, and SERVICE_PUBLIC_KEYS
 * from the ConfigMap microshop-public-keys; nothing else reads that Secret, and nothing takes it
 * whole (envFrom, a volume: every principal's private key). The ConfigMap lists every principal that
 * runs, and the Secret's key of each is the private half of its public key there.
 */
export function serviceKeyProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  const secret = generatedObject(resources, 'Secret', SERVICE_KEYS_SECRET);
  const config = generatedObject(resources, 'ConfigMap', PUBLIC_KEYS_CONFIG_MAP);
  if (!secret) problems.push(`no Secret ${SERVICE_KEYS_SECRET}`);
  if (!config) problems.push(`no ConfigMap ${PUBLIC_KEYS_CONFIG_MAP}`);
  const running = resources.filter((r) => podSpecOf(r) && isPrincipal(r.metadata.name)).map((r) => r.metadata.name);
  const publicKeys = config && isObject(config.data) && typeof config.data.SERVICE_PUBLIC_KEYS === 'string' ? config.data.SERVICE_PUBLIC_KEYS : undefined;
  if (config) for (const problem of publicKeysProblems(publicKeys, running)) problems.push(`ConfigMap ${PUBLIC_KEYS_CONFIG_MAP}: ${problem}`);
  const privateKeys = secret && isObject(secret.data) ? Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(String(v).replace(/\n/g, ''), 'base64').toString('utf8')])) : {};
  for (const principal of running) {
    if (!secret) break;
    if (!privateKeys[principal]) problems.push(`Secret ${SERVICE_KEYS_SECRET} has no key ${principal}, which runs`);
    else if (publicKeys) for (const problem of keyPairProblems(principal, { SERVICE_KEY: privateKeys[principal], SERVICE_PUBLIC_KEYS: publicKeys })) problems.push(`Secret ${SERVICE_KEYS_SECRET}: ${principal}: ${problem}`);
  }
  const secretName = secret?.metadata.name;
  for (const workload of resources) {
    const pod = podSpecOf(workload);
    if (!pod) continue;
    const name = workload.metadata.name;
    const at = `${workload.kind}/${name}`;
    const principal = workload.kind === 'Deployment' && isPrincipal(name) ? name : undefined;
    for (const volume of objects(pod.volumes)) if (isObject(volume.secret) && volume.secret.secretName === secretName) problems.push(`${at}: mounts ${SERVICE_KEYS_SECRET}, every principal's private key`);
    for (const container of containersOf(pod)) {
      for (const from of objects(container.envFrom)) if (isObject(from.secretRef) && from.secretRef.name === secretName) problems.push(`${at}: envFrom takes all of ${SERVICE_KEYS_SECRET}, every principal's private key`);
      for (const variable of objects(container.env)) {
        const ref = isObject(variable.valueFrom) && isObject(variable.valueFrom.secretKeyRef) ? variable.valueFrom.secretKeyRef : undefined;
        if (!ref || ref.name !== secretName) continue;
        if (!principal) problems.push(`${at}: ${String(variable.name)} reads ${SERVICE_KEYS_SECRET} (${String(ref.key)}), and it is no principal`);
        else if (variable.name !== 'SERVICE_KEY' || container.name !== principal) problems.push(`${at}: ${String(variable.name)} reads ${SERVICE_KEYS_SECRET} (${String(ref.key)}): a process holds its own key only, as SERVICE_KEY`);
      }
    }
    if (!principal) continue;
    const container = containersOf(pod).find((c) => c.name === principal);
    const env = container ? objects(container.env) : [];
    const key = env.find((v) => v.name === 'SERVICE_KEY');
    const keyRef = key && isObject(key.valueFrom) && isObject(key.valueFrom.secretKeyRef) ? key.valueFrom.secretKeyRef : undefined;
    if (!key) problems.push(`${principal}: no SERVICE_KEY: it would make up its own key set, whose tokens no other pod believes`);
    else if (!keyRef || keyRef.name !== secretName) problems.push(`${principal}: SERVICE_KEY is not read from the Secret ${SERVICE_KEYS_SECRET}${key.value !== undefined ? ' (a value in the manifest: a committed key)' : ''}`);
    else if (keyRef.key !== principal) problems.push(`${principal}: SERVICE_KEY is ${SERVICE_KEYS_SECRET}'s ${String(keyRef.key)} key, not its own (${principal})`);
    const published = env.find((v) => v.name === 'SERVICE_PUBLIC_KEYS');
    const publishedRef = published && isObject(published.valueFrom) && isObject(published.valueFrom.configMapKeyRef) ? published.valueFrom.configMapKeyRef : undefined;
    if (!published) problems.push(`${principal}: no SERVICE_PUBLIC_KEYS`);
    else if (!publishedRef || publishedRef.name !== config?.metadata.name || publishedRef.key !== 'SERVICE_PUBLIC_KEYS') problems.push(`${principal}: SERVICE_PUBLIC_KEYS is not the ConfigMap ${PUBLIC_KEYS_CONFIG_MAP}'s SERVICE_PUBLIC_KEYS`);
  }
  return problems;
}

/** No object mentions the retired shared credential SERVICE_TOKEN (SERVICE_TOKEN_TTL_S is another variable). */
export function retiredCredentialProblems(resources: Resource[]): string[] {
  return resources.filter((r) => RETIRED_CREDENTIAL.test(JSON.stringify(r))).map((r) => `${r.kind}/${r.metadata.name} mentions SERVICE_TOKEN, which no service reads any more: each signs its calls with its own SERVICE_KEY`);
}

/** The HPA scales the order-service Deployment (autoscaling/v2, on CPU, which its pods request), within MAX_REPLICAS. */
export function autoscalingProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  const hpa = resources.find((r) => r.kind === 'HorizontalPodAutoscaler');
  if (!hpa || !isObject(hpa.spec)) return ['no HorizontalPodAutoscaler'];
  if (hpa.apiVersion !== 'autoscaling/v2') problems.push(`the HPA is ${hpa.apiVersion}, not autoscaling/v2`);
  const target = isObject(hpa.spec.scaleTargetRef) ? hpa.spec.scaleTargetRef : {};
  if (target.kind !== 'Deployment' || target.name !== 'order-service' || target.apiVersion !== 'apps/v1') problems.push(`the HPA scales ${String(target.kind)} ${String(target.name)}, not the order-service Deployment`);
  const deployment = find(resources, 'Deployment', 'order-service');
  if (deployment && isObject(deployment.spec) && deployment.spec.replicas !== undefined) problems.push('order-service sets replicas: every apply would undo the HPA');
  const min = Number(hpa.spec.minReplicas ?? 1);
  const max = Number(hpa.spec.maxReplicas);
  if (!(min >= 1 && min <= max && max <= MAX_REPLICAS)) problems.push(`the HPA's ${min}..${max} is not within 1..${MAX_REPLICAS}`);
  const usesCpu = objects(hpa.spec.metrics).some((m) => isObject(m.resource) && m.resource.name === 'cpu');
  const container = serviceContainer(resources, 'order-service');
  const requests = container && isObject(container.resources) && isObject(container.resources.requests) ? container.resources.requests : {};
  if (usesCpu && requests.cpu === undefined) problems.push('the HPA scales on CPU utilisation but order-service requests no CPU');
  return problems;
}

/** PostgreSQL and NATS: StatefulSets with a volume claim template, governed by a headless Service. */
export function statefulProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  for (const name of ['postgres', 'nats']) {
    const set = find(resources, 'StatefulSet', name);
    if (!set || !isObject(set.spec)) {
      problems.push(`${name}: no StatefulSet`);
      continue;
    }
    if (objects(set.spec.volumeClaimTemplates).length === 0) problems.push(`${name}: no volumeClaimTemplates`);
    const governing = typeof set.spec.serviceName === 'string' ? find(resources, 'Service', set.spec.serviceName) : undefined;
    if (!governing || !isObject(governing.spec) || governing.spec.clusterIP !== 'None') problems.push(`${name}: serviceName must name a headless Service`);
  }
  return problems;
}

/** Images: microshop/<service>:<tag> with the pull policy given, everything else pinned to a version. */
export function imageProblems(resources: Resource[], tag: string, pullPolicy: string): string[] {
  const problems: string[] = [];
  for (const workload of resources) {
    const pod = podSpecOf(workload);
    if (!pod) continue;
    for (const container of containersOf(pod)) {
      const image = String(container.image);
      const own = /^microshop\/([a-z-]+):(.+)$/.exec(image);
      if (own) {
        if (own[1] !== workload.metadata.name) problems.push(`${workload.metadata.name} runs ${image}`);
        if (own[2] !== tag) problems.push(`${workload.metadata.name}: ${image} is not tagged ${tag}`);
        if (container.imagePullPolicy !== pullPolicy) problems.push(`${workload.metadata.name}: imagePullPolicy is ${String(container.imagePullPolicy)}, not ${pullPolicy}`);
      } else if (!/:[a-z]*\d+(\.\d+)+[\w.-]*(@sha256:[0-9a-f]{64})?$/.test(image) || /:latest$/.test(image)) {
        problems.push(`${workload.metadata.name}: ${image} is not pinned to a version`);
      }
    }
  }
  for (const service of DEPLOYED) if (!resources.some((r) => r.kind === 'Deployment' && r.metadata.name === service)) problems.push(`${service}: not deployed`);
  return problems;
}

/** Prometheus' configuration (its ConfigMap): a job per service, found by DNS on its headless Service, on its port. */
export function prometheusProblems(resources: Resource[]): string[] {
  const config = resources.find((r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith('prometheus-config'));
  const text = config && isObject(config.data) ? config.data['prometheus.yml'] : undefined;
  if (typeof text !== 'string') return ['no prometheus-config ConfigMap with prometheus.yml'];
  const [parsed] = parseYamlDocuments(text, 'prometheus.yml');
  const jobs = isObject(parsed) ? objects(parsed.scrape_configs) : [];
  const problems: string[] = [];
  for (const service of DEPLOYED) {
    const job = jobs.find((j) => j.job_name === service);
    const sd = job ? objects(job.dns_sd_configs)[0] : undefined;
    if (!sd) {
      problems.push(`prometheus: no dns_sd job for ${service}`);
      continue;
    }
    if (sd.port !== SERVICES[service].port) problems.push(`prometheus: ${service} scraped on ${String(sd.port)}, it listens on ${SERVICES[service].port}`);
    for (const name of Array.isArray(sd.names) ? sd.names : []) {
      const target = hostAndPort(`http://${String(name)}:${String(sd.port)}`);
      if (!String(name).endsWith(`.${NAMESPACE}.svc.cluster.local`) || target?.host !== service) problems.push(`prometheus: ${service} is looked up as ${String(name)}`);
      const headless = find(resources, 'Service', service);
      if (!headless || !isObject(headless.spec) || headless.spec.clusterIP !== 'None') problems.push(`prometheus: ${String(name)} is not a headless Service (it would resolve to one virtual IP)`);
    }
  }
  for (const job of jobs) if (!DEPLOYED.includes(job.job_name as ServiceName)) problems.push(`prometheus: job ${String(job.job_name)} scrapes nothing deployed`);
  return problems;
}

/** Every namespaced object in the namespace, and the namespace enforcing the restricted Pod Security Standard. */
export function namespaceProblems(resources: Resource[]): string[] {
  const problems: string[] = [];
  for (const resource of resources) {
    if (resource.kind === 'Namespace') continue;
    if (resource.metadata.namespace !== NAMESPACE) problems.push(`${resource.kind}/${resource.metadata.name} is in ${String(resource.metadata.namespace)}, not ${NAMESPACE}`);
  }
  const namespace = find(resources, 'Namespace', NAMESPACE);
  const labels = namespace && isObject(namespace.metadata.labels) ? namespace.metadata.labels : {};
  if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') problems.push(`the namespace ${NAMESPACE} does not enforce the restricted Pod Security Standard`);
  return problems;
}
