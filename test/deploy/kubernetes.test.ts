import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import { clone, DEPLOY, isObject, parseYamlDocuments, readText, readYaml, ROOT, type JsonObject } from './support/files.js';
import { closeConfigReader } from './support/service-config.js';
import {
  autoscalingProblems,
  environmentProblems,
  imageProblems,
  namespaceProblems,
  prometheusProblems,
  referenceProblems,
  securityProblems,
  serviceContainer,
  statefulProblems,
  workloadProblems,
} from './support/k8s-checks.js';
import { installedKubernetesModelsVersion, KUBERNETES_MODELS_VERSION, KUBERNETES_SCHEMA_VERSION, schemaErrors, strictFieldErrors, validateManifests } from './support/kubernetes.js';
import { applyJsonPatch, kustomizeHash, parseEnvFile, renderKustomization, type Resource } from './support/kustomize.js';


afterAll(closeConfigReader);
const BASE = path.join(DEPLOY, 'k8s/base');
const LOCAL = path.join(DEPLOY, 'k8s/overlays/local');

const byKey = (resources: Resource[]) => [...resources].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
const workload = (resources: Resource[], kind: string, name: string) => resources.find((r) => r.kind === kind && r.metadata.name === name) as Resource;
const podOf = (resource: Resource) => ((resource.spec as JsonObject).template as JsonObject).spec as JsonObject;

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(`the schemas are Kubernetes ${KUBERNETES_SCHEMA_VERSION}'s: kubernetes-models ${KUBERNETES_MODELS_VERSION}, pinned exactly`, () => {
  const root = JSON.parse(readText(path.join(ROOT, 'package.json'))) as { devDependencies: Record<string, string> };
  expect(root.devDependencies['kubernetes-models']).toBe(KUBERNETES_MODELS_VERSION);
  expect(installedKubernetesModelsVersion()).toBe(KUBERNETES_MODELS_VERSION);
});

describe.each([
  ['base', BASE, { tag: '0.1.0', pullPolicy: 'IfNotPresent' }],
  ['overlays/local', LOCAL, { tag: 'dev', pullPolicy: 'Never' }],
] as const)('deploy/k8s/%s', (_name, dir, images) => {
  let resources: Resource[];
  beforeAll(() => {
    resources = renderKustomization(dir);
  });

  test(`every object validates against the Kubernetes ${KUBERNETES_SCHEMA_VERSION} schemas, unknown fields refused`, async () => {
    expect(resources.length).toBeGreaterThan(30);
    const problems = await validateManifests(resources);
    expect(Object.fromEntries(problems)).toEqual({});
  });

  test('ports and probes are the services\' own: the port in SERVICES, the health route the chassis registers', () => {
    expect(workloadProblems(resources)).toEqual([]);
  });

  test('every environment variable is one the service reads, with a value its config accepts, and every address points at the right Service and port', async () => {
    expect(await environmentProblems(resources)).toEqual([]);
  });

  test('every ConfigMap and Secret a pod uses exists with the keys it reads', () => {
    expect(referenceProblems(resources)).toEqual([]);
  });

  test('every pod runs unprivileged: non-root, read-only root, no capabilities, seccomp, requests and limits', () => {
    expect(securityProblems(resources)).toEqual([]);
  });

  test('the HorizontalPodAutoscaler (autoscaling/v2) scales order-service on CPU', () => {
    expect(autoscalingProblems(resources)).toEqual([]);
  });

  test('PostgreSQL and NATS are StatefulSets with volume claim templates and headless Services', () => {
    expect(statefulProblems(resources)).toEqual([]);
  });

  test(`images: microshop/<service>:${images.tag} (${images.pullPolicy}), every other image pinned to a version`, () => {
    expect(imageProblems(resources, images.tag, images.pullPolicy)).toEqual([]);
  });

  test('Prometheus finds every service by DNS on its headless Service and port', () => {
    expect(prometheusProblems(resources)).toEqual([]);
  });

  test('everything is in the namespace microshop, which enforces the restricted Pod Security Standard', () => {
    expect(namespaceProblems(resources)).toEqual([]);
  });

  test.skipIf(!kubectl)('the renderer gives what `kubectl kustomize` gives (when kubectl is installed)', () => {
    const theirs = parseYamlDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }), 'kubectl kustomize') as Resource[];
    expect(byKey(resources)).toEqual(byKey(theirs));
  });
});

describe('deploy/k8s/overlays/local', () => {
  test('is the base with local images, one replica each, fewer resources and the gateway on a NodePort', () => {
    const base = renderKustomization(BASE);
    const local = renderKustomization(LOCAL);
    expect(byKey(local).map((r) => `${r.kind}/${r.metadata.name}`)).toEqual(byKey(base).map((r) => `${r.kind}/${r.metadata.name}`));
    const gateway = workload(local, 'Service', 'gateway-public').spec as JsonObject;
    expect(gateway.type).toBe('NodePort');
    for (const name of ['user-service', 'product-service', 'payment-service', 'gateway', 'payment-provider']) expect((workload(local, 'Deployment', name).spec as JsonObject).replicas).toBe(1);
    expect((workload(local, 'HorizontalPodAutoscaler', 'order-service').spec as JsonObject).minReplicas).toBe(1);
  });
});

describe('deploy/k8s/base files', () => {
  test('the copies kustomize reads are identical to deploy/prometheus/kubernetes.yml and deploy/postgres/init-databases.sh', () => {
    expect(readText(path.join(BASE, 'files/prometheus.yml'))).toBe(readText(path.join(DEPLOY, 'prometheus/kubernetes.yml')));
    expect(readText(path.join(BASE, 'files/init-databases.sh'))).toBe(readText(path.join(DEPLOY, 'postgres/init-databases.sh')));
  });

  test('the credentials are development-only placeholders, said so in the files', () => {
    for (const file of ['secrets/credentials.env', 'secrets/databases.env']) {
      const text = readText(path.join(BASE, file));
      expect(text).toMatch(/DEVELOPMENT ONLY/);
      for (const [key, value] of parseEnvFile(text, file)) expect(value, `${file} ${key}`).toMatch(/dev-only/);
    }
  });

  test('each service\'s database URL and the one PostgreSQL creates its role and database from are the same value', () => {
    const resources = renderKustomization(BASE);
    const postgres = workload(resources, 'StatefulSet', 'postgres');
    const fromSecret = (podOf(postgres).containers as JsonObject[])[0]?.envFrom as JsonObject[];
    expect(fromSecret.map((f) => (f.secretRef as JsonObject | undefined)?.name)).toContainEqual(expect.stringMatching(/^microshop-databases-/));
    for (const service of ['user-service', 'product-service', 'order-service', 'payment-service', 'payment-provider']) {
      const container = serviceContainer(resources, service) as JsonObject;
      const url = (container.env as JsonObject[]).find((e) => e.name === 'DATABASE_URL');
      const ref = ((url?.valueFrom as JsonObject).secretKeyRef as JsonObject);
      expect(ref.key).toBe(`${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`);
    }
  });
});

describe('YAML read the same way by every reader', () => {
  /**
   * Kubernetes and Compose read YAML 1.1 (go-yaml), the tests YAML 1.2: a plain `0555` is 365 to one
   * and 555 to the other, `on`/`yes` a boolean to one and a string to the other, `22:22` a base-60
   * number to YAML 1.1. Such scalars must be quoted (or, for a mode, written in decimal). The inline
   * patches of a kustomization are YAML too, and are read the same way.
   */
  const ambiguous = (text: string) => /^0[0-9]+$|^[+-]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$|^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(text);
  const offendersIn = (text: string, where: string): string[] => {
    const found: string[] = [];
    for (const document of parseAllDocuments(text)) {
      visit(document, {
        Pair(_key, pair) {
          if (isScalar(pair.key) && pair.key.value === 'patch' && isScalar(pair.value) && typeof pair.value.value === 'string') found.push(...offendersIn(pair.value.value, `${where} (patch)`));
        },
        Scalar(_key, node) {
          if (node.type === 'PLAIN' && node.source !== undefined && ambiguous(node.source)) found.push(`${where}: ${node.source}`);
        },
      });
    }
    return found;
  };

  test('no deploy YAML holds an unquoted scalar that YAML 1.1 and 1.2 read differently', () => {
    const files = [
      'compose.yaml',
      'prometheus/compose.yml',
      'prometheus/kubernetes.yml',
      'prometheus/prometheus.yml',
      ...readdirSync(BASE).filter((f) => f.endsWith('.yaml')).map((f) => `k8s/base/${f}`),
      'k8s/overlays/local/kustomization.yaml',
    ];
    expect(files.length).toBeGreaterThan(15);
    expect(files.flatMap((file) => offendersIn(readText(path.join(DEPLOY, file)), file))).toEqual([]);
    expect(offendersIn('a: 0555\nb: "0555"\nc: [on, \'off\']\nd: 22:22\ne: 5000:5000\nf: 365\npatch: |-\n  - value: yes\n', 'x')).toEqual(['x: 0555', 'x: on', 'x: 22:22', 'x (patch): yes']);
  });
});

describe('the checks fail on broken copies', () => {
  let base: Resource[];
  beforeAll(() => {
    base = renderKustomization(BASE);
  });
  const broken = (change: (resources: Resource[]) => void) => {
    const copy = clone(base);
    change(copy);
    return copy;
  };
  const container = (resources: Resource[], name: string) => serviceContainer(resources, name) as JsonObject;

  test('schema: a misspelt field, a string port, an unknown apiVersion', async () => {
    const deployment = clone(workload(base, 'Deployment', 'order-service'));
    const c = (podOf(deployment).containers as JsonObject[])[0] as JsonObject;
    c.readinesProbe = c.readinessProbe as JsonObject;
    delete c.readinessProbe;
    expect([...strictFieldErrors([deployment]).values()].flat().join()).toMatch(/readinesProbe/);
    const port = clone(workload(base, 'Deployment', 'order-service'));
    (((podOf(port).containers as JsonObject[])[0] as JsonObject).ports as JsonObject[])[0] = { name: 'http', containerPort: '5003' };
    expect((await schemaErrors(port)).join()).toMatch(/containerPort must be integer/);
    const version = { ...clone(workload(base, 'HorizontalPodAutoscaler', 'order-service')), apiVersion: 'autoscaling/v3' };
    expect(await schemaErrors(version)).not.toEqual([]);
    const missing = clone(workload(base, 'Service', 'order-service'));
    ((missing.spec as JsonObject).ports as JsonObject[])[0] = { name: 'http', targetPort: 'http' };
    expect((await validateManifests([missing])).size).toBe(1);
  });

  test('ports and probes: a wrong health path, a wrong port, a Service that is not headless', () => {
    expect(workloadProblems(broken((r) => (((container(r, 'payment-service').readinessProbe as JsonObject).httpGet as JsonObject).path = '/healthz')))).toEqual([
      'payment-service: readinessProbe asks /healthz, the service answers its health on /health',
    ]);
    expect(workloadProblems(broken((r) => ((container(r, 'user-service').ports as JsonObject[])[0] = { name: 'http', containerPort: 5002, protocol: 'TCP' })))).toContain(
      'user-service: container port http is 5002, the service listens on 5001',
    );
    expect(workloadProblems(broken((r) => delete (workload(r, 'Service', 'order-service').spec as JsonObject).clusterIP))).toContainEqual(expect.stringMatching(/order-service: its Service must be headless/));
  });

  test('environment: a variable the service never reads, a bad value, an address on the wrong port', async () => {
    expect(await environmentProblems(broken((r) => (container(r, 'user-service').env as JsonObject[]).push({ name: 'USER_SERVCE_URL', value: 'x' })))).toContain(
      'user-service: USER_SERVCE_URL is set but user-service never reads it',
    );
    expect(await environmentProblems(broken((r) => (container(r, 'user-service').env as JsonObject[]).push({ name: 'LOG_LEVEL', value: 'loud' })))).toContainEqual(
      expect.stringMatching(/^user-service: services\/user-service\/dist\/config.js: Invalid configuration: LOG_LEVEL/),
    );
    const wrongPort = broken((r) => {
      const config = r.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('order-service-config')) as Resource;
      (config.data as JsonObject).USER_SERVICE_URL = 'dns+http://user-service:5002';
    });
    expect(await environmentProblems(wrongPort)).toContainEqual(expect.stringMatching(/order-service: USER_SERVICE_URL points at user-service:5002: Service user-service has no port 5002/));
    const unset = broken((r) => {
      const config = r.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('payment-service-config')) as Resource;
      delete (config.data as JsonObject).PAYMENT_PROVIDER_URL;
    });
    expect(await environmentProblems(unset)).toContain('payment-service: PAYMENT_PROVIDER_URL is not set: it would look for payment-provider on 127.0.0.1');
  });

  test('references, security, autoscaling, state, images, Prometheus, namespace', () => {
    expect(referenceProblems(broken((r) => ((((container(r, 'user-service').env as JsonObject[]).find((e) => e.name === 'DATABASE_URL') as JsonObject).valueFrom as JsonObject).secretKeyRef = { name: 'nope', key: 'x' })))).toEqual([
      'Deployment/user-service: Secret nope (for DATABASE_URL) does not exist',
    ]);
    expect(securityProblems(broken((r) => ((container(r, 'gateway').securityContext as JsonObject).readOnlyRootFilesystem = false)))).toEqual(['Deployment/gateway container gateway: the root file system is writable']);
    expect(securityProblems(broken((r) => delete (podOf(workload(r, 'StatefulSet', 'nats')).securityContext as JsonObject).runAsNonRoot))).toEqual(['StatefulSet/nats: runAsNonRoot is not true']);
    expect(autoscalingProblems(broken((r) => ((workload(r, 'Deployment', 'order-service').spec as JsonObject).replicas = 3)))).toEqual(['order-service sets replicas: every apply would undo the HPA']);
    expect(statefulProblems(broken((r) => delete (workload(r, 'StatefulSet', 'postgres').spec as JsonObject).volumeClaimTemplates))).toEqual(['postgres: no volumeClaimTemplates']);
    expect(imageProblems(broken((r) => (((podOf(workload(r, 'Deployment', 'jaeger')).containers as JsonObject[])[0] as JsonObject).image = 'jaegertracing/all-in-one:latest')), '0.1.0', 'IfNotPresent')).toEqual([
      'jaeger: jaegertracing/all-in-one:latest is not pinned to a version',
    ]);
    const prometheus = broken((r) => {
      const config = r.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('prometheus-config')) as Resource;
      (config.data as JsonObject)['prometheus.yml'] = String((config.data as JsonObject)['prometheus.yml']).replace('port: 5003', 'port: 5030');
    });
    expect(prometheusProblems(prometheus)).toEqual(['prometheus: order-service scraped on 5030, it listens on 5003']);
    expect(namespaceProblems(broken((r) => (workload(r, 'Service', 'nats').metadata.namespace = 'default')))).toEqual(['Service/nats is in default, not microshop']);
  });

  test('the renderer refuses what it does not implement, and a patch that misses', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kustomize-'));
    try {
      mkdirSync(path.join(dir, 'base'));
      cpSync(BASE, path.join(dir, 'base'), { recursive: true });
      mkdirSync(path.join(dir, 'overlay'));
      const overlay = (body: string) => writeFileSync(path.join(dir, 'overlay/kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\n${body}`);
      overlay('commonLabels:\n  a: b\n');
      expect(() => renderKustomization(path.join(dir, 'overlay'))).toThrow(/`commonLabels` is not supported/);
      overlay('patches:\n  - target:\n      kind: Deployment\n      name: nope\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 1\n');
      expect(() => renderKustomization(path.join(dir, 'overlay'))).toThrow(/matches nothing/);
      overlay('patches:\n  - target:\n      kind: Deployment\n      name: gateway\n    patch: |-\n      spec:\n        replicas: 2\n');
      expect(() => renderKustomization(path.join(dir, 'overlay'))).toThrow(/strategic merge patches are not supported/);
      overlay('images:\n  - name: microshop/nope\n    newTag: dev\n');
      expect(() => renderKustomization(path.join(dir, 'overlay'))).toThrow(/no container uses microshop\/nope/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }], 'test')).toThrow(/does not exist/);
    expect(applyJsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/1', value: 9 }, { op: 'remove', path: '/a/0' }], 'test')).toEqual({ a: [9, 2] });
  });

  test('the generated names carry kustomize\'s hash (as kubectl kustomize 5.5 writes it)', () => {
    const config = base.find((r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith('microshop-common-')) as Resource;
    expect(config.metadata.name).toBe('microshop-common-8cttc78mdh');
    const changed = clone(config);
    (changed.data as JsonObject).LOG_LEVEL = 'debug';
    expect(kustomizeHash(changed)).not.toBe('8cttc78mdh');
    const secret = base.find((r) => r.kind === 'Secret' && r.metadata.name.startsWith('microshop-databases-')) as Resource;
    expect(secret.metadata.name).toBe('microshop-databases-8h259fdd98');
    expect(isObject(readYaml(path.join(BASE, 'kustomization.yaml'))[0])).toBe(true);
  });
});
