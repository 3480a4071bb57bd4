import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatPublicKeys, keyFiles } from '@microshop/chassis';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import { clone, DEPLOY, isObject, parseYamlDocuments, readText, readYaml, ROOT, type JsonObject } from './support/files.js';
import { closeConfigReader } from './support/service-config.js';
import {
  autoscalingProblems,
  environmentProblems,
  generatedObject,
  imageProblems,
  namespaceProblems,
  prometheusProblems,
  referenceProblems,
  retiredCredentialProblems,
  securityProblems,
  serviceContainer,
  serviceKeyProblems,
  statefulProblems,
  workloadProblems,
} from './support/k8s-checks.js';
import { committableDeployFiles, committedKeyMaterial, gitIgnores, keyMaterialIn, KUBERNETES_KEY_FILES, kubernetesCopy, PUBLIC_KEYS_CONFIG_MAP, SERVICE_KEYS_SECRET } from './support/keys.js';
import { installedKubernetesModelsVersion, KUBERNETES_MODELS_VERSION, KUBERNETES_SCHEMA_VERSION, schemaErrors, strictFieldErrors, validateManifests } from './support/kubernetes.js';
import { applyJsonPatch, kustomizeHash, parseEnvFile, renderKustomization, type Resource } from './support/kustomize.js';


afterAll(closeConfigReader);
// The service keys are per-cluster and never committed: everything is rendered from a temporary copy
// of deploy/k8s holding a key set generated for this run, as `npm run keys -- --kubernetes` writes it.
const k8s = kubernetesCopy();
afterAll(() => k8s.remove());
const BASE = k8s.base;
const LOCAL = k8s.local;
const REPOSITORY_BASE = path.join(DEPLOY, 'k8s/base');

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

  test(`each principal's Deployment takes its own SERVICE_KEY from the Secret ${SERVICE_KEYS_SECRET} and SERVICE_PUBLIC_KEYS from the ConfigMap ${PUBLIC_KEYS_CONFIG_MAP}, which lists every principal that runs`, () => {
    expect(serviceKeyProblems(resources)).toEqual([]);
    // What `npm run keys` wrote is what the pods get.
    expect((generatedObject(resources, 'ConfigMap', PUBLIC_KEYS_CONFIG_MAP)?.data as JsonObject).SERVICE_PUBLIC_KEYS).toBe(formatPublicKeys(k8s.keys));
  });

  test('nothing mentions the retired shared SERVICE_TOKEN', () => {
    expect(retiredCredentialProblems(resources)).toEqual([]);
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
    expect(readText(path.join(REPOSITORY_BASE, 'files/prometheus.yml'))).toBe(readText(path.join(DEPLOY, 'prometheus/kubernetes.yml')));
    expect(readText(path.join(REPOSITORY_BASE, 'files/init-databases.sh'))).toBe(readText(path.join(DEPLOY, 'postgres/init-databases.sh')));
  });

  test('the service keys are not in the repository: the base needs the files `npm run keys -- --kubernetes` writes, which git ignores', () => {
    const bare = kubernetesCopy({ withKeys: false });
    try {
      expect(() => renderKustomization(bare.base)).toThrow(/secrets\/(public|service)-keys\.env does not exist/);
      if (kubectl) expect(() => execFileSync('kubectl', ['kustomize', bare.base], { stdio: 'pipe' })).toThrow(/keys\.env/);
    } finally {
      bare.remove();
    }
    for (const file of [...KUBERNETES_KEY_FILES.map((name) => `deploy/k8s/base/secrets/${name}`), 'deploy/.env']) expect(gitIgnores(file), file).not.toBe(false);
    const kustomization = readText(path.join(REPOSITORY_BASE, 'kustomization.yaml'));
    expect(kustomization).toContain('npm run keys -- --kubernetes deploy/k8s/base/secrets');
    for (const name of KUBERNETES_KEY_FILES) expect(kustomization).toContain(`secrets/${name}`);
  });

  test('no private key is committed anywhere under deploy/', () => {
    const files = committableDeployFiles();
    expect(files).toContain('deploy/k8s/base/kustomization.yaml');
    expect(files).not.toContain('deploy/k8s/base/secrets/service-keys.env');
    expect(committedKeyMaterial(files)).toEqual([]);
  });

  test('the credentials are development-only placeholders, said so in the files', () => {
    for (const file of ['secrets/credentials.env', 'secrets/databases.env']) {
      const text = readText(path.join(REPOSITORY_BASE, file));
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
      ...readdirSync(REPOSITORY_BASE).filter((f) => f.endsWith('.yaml')).map((f) => `k8s/base/${f}`),
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

  test('service keys: another principal\'s key, the whole Secret, a reader that is no principal, a principal missing from the ConfigMap, a mismatched pair, SERVICE_TOKEN back', async () => {
    const env = (r: Resource[], name: string) => container(r, name).env as JsonObject[];
    const keyRef = (r: Resource[], name: string) => ((env(r, name).find((e) => e.name === 'SERVICE_KEY') as JsonObject).valueFrom as JsonObject).secretKeyRef as JsonObject;
    const secretName = (r: Resource[]) => (generatedObject(r, 'Secret', SERVICE_KEYS_SECRET) as Resource).metadata.name;

    const another = broken((r) => (keyRef(r, 'order-service').key = 'payment-service'));
    expect(serviceKeyProblems(another)).toEqual([`order-service: SERVICE_KEY is ${SERVICE_KEYS_SECRET}'s payment-service key, not its own (order-service)`]);
    expect(await environmentProblems(another)).toContain(
      "order-service: SERVICE_KEY is not the private half of order-service's key in SERVICE_PUBLIC_KEYS (it is payment-service's: it could speak as payment-service): every neighbour would refuse its calls",
    );

    const literal = broken((r) => {
      const variable = env(r, 'user-service').find((e) => e.name === 'SERVICE_KEY') as JsonObject;
      delete variable.valueFrom;
      variable.value = k8s.keys['user-service']?.private as string;
    });
    expect(serviceKeyProblems(literal)).toEqual([`user-service: SERVICE_KEY is not read from the Secret ${SERVICE_KEYS_SECRET} (a value in the manifest: a committed key)`]);
    const missing = broken((r) => (container(r, 'payment-provider').env = env(r, 'payment-provider').filter((e) => e.name !== 'SERVICE_KEY' && e.name !== 'SERVICE_PUBLIC_KEYS')));
    expect(serviceKeyProblems(missing)).toEqual(['payment-provider: no SERVICE_KEY: it would make up its own key set, whose tokens no other pod believes', 'payment-provider: no SERVICE_PUBLIC_KEYS']);
    expect(await environmentProblems(missing)).toContainEqual(expect.stringMatching(/^payment-provider: SERVICE_KEY and SERVICE_PUBLIC_KEYS are not both set/));

    expect(serviceKeyProblems(broken((r) => (container(r, 'gateway').envFrom as JsonObject[]).push({ secretRef: { name: secretName(r) } })))).toEqual([
      `Deployment/gateway: envFrom takes all of ${SERVICE_KEYS_SECRET}, every principal's private key`,
    ]);
    expect(serviceKeyProblems(broken((r) => env(r, 'gateway').push({ name: 'ORDER_KEY', valueFrom: { secretKeyRef: { name: secretName(r), key: 'order-service' } } })))).toEqual([
      `Deployment/gateway: ORDER_KEY reads ${SERVICE_KEYS_SECRET} (order-service): a process holds its own key only, as SERVICE_KEY`,
    ]);
    const postgres = broken((r) => ((podOf(workload(r, 'StatefulSet', 'postgres')).containers as JsonObject[])[0] as JsonObject).env = [{ name: 'K', valueFrom: { secretKeyRef: { name: secretName(r), key: 'gateway' } } }]);
    expect(serviceKeyProblems(postgres)).toEqual([`StatefulSet/postgres: K reads ${SERVICE_KEYS_SECRET} (gateway), and it is no principal`]);

    const unlisted = broken((r) => {
      const data = generatedObject(r, 'ConfigMap', PUBLIC_KEYS_CONFIG_MAP)?.data as JsonObject;
      data.SERVICE_PUBLIC_KEYS = String(data.SERVICE_PUBLIC_KEYS).split(',').filter((entry) => !entry.startsWith('payment-provider=')).join(',');
    });
    expect(serviceKeyProblems(unlisted)).toContain(`ConfigMap ${PUBLIC_KEYS_CONFIG_MAP}: SERVICE_PUBLIC_KEYS has no key for payment-provider, which runs: every neighbour would refuse its calls`);
    expect(await environmentProblems(unlisted)).toContain('payment-provider: SERVICE_PUBLIC_KEYS has no key for payment-provider: no process can verify its calls');

    const swapped = broken((r) => {
      const data = generatedObject(r, 'Secret', SERVICE_KEYS_SECRET)?.data as JsonObject;
      [data['user-service'], data['product-service']] = [data['product-service'] as string, data['user-service'] as string];
    });
    expect(serviceKeyProblems(swapped)).toContain(
      `Secret ${SERVICE_KEYS_SECRET}: user-service: SERVICE_KEY is not the private half of user-service's key in SERVICE_PUBLIC_KEYS (it is product-service's: it could speak as product-service): every neighbour would refuse its calls`,
    );

    const token = broken((r) => env(r, 'order-service').push({ name: 'SERVICE_TOKEN', valueFrom: { secretKeyRef: { name: 'microshop-credentials', key: 'SERVICE_TOKEN' } } }));
    expect(retiredCredentialProblems(token)).toEqual(['Deployment/order-service mentions SERVICE_TOKEN, which no service reads any more: each signs its calls with its own SERVICE_KEY']);
    expect(await environmentProblems(token)).toContain('order-service: SERVICE_TOKEN is set but order-service never reads it');
    expect(retiredCredentialProblems(broken((r) => env(r, 'order-service').push({ name: 'SERVICE_TOKEN_TTL_S', value: '60' })))).toEqual([]);
  });

  test('committed keys: every form a private key is written in is found, public keys and required variables are not', () => {
    const kubernetes = keyFiles('kubernetes', k8s.keys);
    expect(keyMaterialIn('service-keys.env', kubernetes['service-keys.env'] as string)).toHaveLength(8);
    expect(keyMaterialIn('public-keys.env', kubernetes['public-keys.env'] as string)).toEqual([]);
    const compose = keyFiles('compose', k8s.keys)[''] as string;
    expect(keyMaterialIn('.env', compose)).toEqual(['.env:2: USER_SERVICE_KEY', '.env:3: PRODUCT_SERVICE_KEY', '.env:4: ORDER_SERVICE_KEY', '.env:5: PAYMENT_SERVICE_KEY', '.env:6: PAYMENT_PROVIDER_KEY', '.env:7: REGISTRY_KEY', '.env:8: GATEWAY_KEY', '.env:9: SUPERVISOR_KEY']);
    const key = k8s.keys['order-service']?.private as string;
    const encoded = Buffer.from(key).toString('base64');
    const manifest = `env:\n  - name: SERVICE_KEY\n    value: ${key}\n---\nkind: Secret\ndata:\n  order-service: ${encoded}\nstringData:\n  'gateway': "${key}"\n`;
    expect(keyMaterialIn('m.yaml', manifest)).toEqual(['m.yaml:3: SERVICE_KEY', 'm.yaml:7: order-service', 'm.yaml:9: gateway']);
    expect(keyMaterialIn('compose.yaml', `    environment:\n      SERVICE_KEY: ${key}\n      - ORDER_SERVICE_KEY=${key}\n      SERVICE_KEY: \${ORDER_SERVICE_KEY:?run npm run keys}\n      SERVICE_PUBLIC_KEYS: user-service=${key}\n`)).toEqual([
      'compose.yaml:2: SERVICE_KEY',
      'compose.yaml:3: ORDER_SERVICE_KEY',
    ]);
    // Not a key: a shorter or longer value, a name that is not *_KEY.
    expect(keyMaterialIn('x', `ADMIN_TOKEN=${key}\nORDER_SERVICE_KEY=${key}x\nORDER_SERVICE_KEY=${key.slice(1)}\n`)).toEqual([]);
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
    expect(isObject(readYaml(path.join(REPOSITORY_BASE, 'kustomization.yaml'))[0])).toBe(true);
  });
});
