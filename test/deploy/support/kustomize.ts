import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { clone, isObject, parseYamlDocuments, readText, readYaml, type Json, type JsonObject } from './files.js';

/**
 * A renderer of exactly the kustomize features deploy/k8s uses, so that the manifests can be checked
 * where no kustomize binary is installed. Anything else in a kustomization.yaml (or a variant of a
 * supported feature it does not implement) throws instead of being ignored, so the overlays cannot
 * drift out of what is checked. Where `kubectl kustomize` exists, the tests compare both outputs (on
 * the temporary copy of deploy/k8s they render, which holds a generated key set: the base's
 * secrets/service-keys.env and public-keys.env are never committed, see support/keys.ts).
 *
 * Supported: `resources` (files and kustomization folders), `namespace`, `labels` (pairs only: no
 * selectors, no templates), `images` (newName, newTag, digest), `configMapGenerator` and
 * `secretGenerator` (literals, files, envs; the content-hash name suffix and the rewriting of the
 * references to it that the manifests make), and `patches` as inline JSON 6902 operations (add,
 * replace, remove) on targets chosen by kind, name (a regular expression, as kustomize) and
 * labelSelector (`key=value`, comma-separated).
 */

export interface Resource extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'configMapGenerator', 'secretGenerator', 'patches']);
/** Kinds that are not namespaced, among those a kustomization here may hold. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass']);

function fail(where: string, message: string): never {
  throw new Error(`kustomize (${where}): ${message}`);
}

function asResource(value: Json, where: string): Resource {
  if (!isObject(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isObject(value.metadata) || typeof value.metadata.name !== 'string') {
    fail(where, 'a resource needs apiVersion, kind and metadata.name');
  }
  return value as Resource;
}

const keyOf = (resource: Resource) => `${resource.kind}/${resource.metadata.name}`;

/** Renders the kustomization in `dir` (a folder holding kustomization.yaml). */
export function renderKustomization(dir: string): Resource[] {
  return build(path.resolve(dir)).resources;
}

interface Built {
  resources: Resource[];
  /** Generated ConfigMaps and Secrets: their name in the manifests → their name with the hash. */
  generated: Map<string, string>;
}

function build(dir: string): Built {
  const file = path.join(dir, 'kustomization.yaml');
  const where = path.basename(path.dirname(dir)) + '/' + path.basename(dir);
  if (!existsSync(file)) fail(where, 'no kustomization.yaml');
  const [document, ...more] = readYaml(file);
  if (!isObject(document) || more.length > 0) fail(where, 'kustomization.yaml must be one mapping');
  const k = document;
  for (const field of Object.keys(k)) if (!SUPPORTED_FIELDS.has(field)) fail(where, `the field \`${field}\` is not supported by this renderer`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') fail(where, 'apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization');

  let resources: Resource[] = [];
  const generated = new Map<string, string>();
  for (const entry of list(k.resources, where, 'resources')) {
    if (typeof entry !== 'string') fail(where, 'resources must be paths');
    const target = path.resolve(dir, entry);
    if (!existsSync(target)) fail(where, `resource ${entry} does not exist`);
    if (statSync(target).isDirectory()) {
      const inner = build(target);
      resources.push(...inner.resources);
      for (const [name, hashed] of inner.generated) generated.set(name, hashed);
    } else {
      if (!target.startsWith(dir + path.sep)) fail(where, `${entry} is outside the kustomization's folder`);
      resources.push(...readYaml(target).map((value) => asResource(value, `${where}/${entry}`)));
    }
  }

  // Generators: made here, named with their hash once complete (kustomize hashes kind, name and data).
  const fresh: Resource[] = [];
  for (const generator of list(k.configMapGenerator, where, 'configMapGenerator')) fresh.push(generate('ConfigMap', generator, dir, where));
  for (const generator of list(k.secretGenerator, where, 'secretGenerator')) fresh.push(generate('Secret', generator, dir, where));
  for (const resource of fresh) {
    const name = resource.metadata.name;
    const hashed = `${name}-${kustomizeHash(resource)}`;
    if (generated.has(name)) fail(where, `${resource.kind} ${name} is generated twice`);
    generated.set(name, hashed);
    resource.metadata.name = hashed;
  }
  resources.push(...fresh);
  resources = resources.map((resource) => rewriteGeneratedReferences(resource, generated, where));

  if (k.namespace !== undefined) {
    if (typeof k.namespace !== 'string') fail(where, 'namespace must be a string');
    for (const resource of resources) if (!CLUSTER_SCOPED.has(resource.kind)) resource.metadata.namespace = k.namespace;
  }
  for (const entry of list(k.labels, where, 'labels')) {
    if (!isObject(entry) || !isObject(entry.pairs)) fail(where, 'labels entries need pairs');
    for (const field of Object.keys(entry)) if (field !== 'pairs') fail(where, `labels.${field} is not supported (pairs only, added to metadata.labels)`);
    for (const resource of resources) {
      const labels = isObject(resource.metadata.labels) ? resource.metadata.labels : {};
      resource.metadata.labels = { ...labels, ...entry.pairs };
    }
  }
  for (const entry of list(k.images, where, 'images')) applyImage(resources, entry, where);
  for (const entry of list(k.patches, where, 'patches')) applyPatch(resources, entry, where);

  const keys = new Set<string>();
  for (const resource of resources) {
    const key = `${keyOf(resource)}@${String(resource.metadata.namespace ?? '')}`;
    if (keys.has(key)) fail(where, `${keyOf(resource)} is defined twice`);
    keys.add(key);
  }
  return { resources, generated };
}

function list(value: Json | undefined, where: string, field: string): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(where, `${field} must be a list`);
  return value;
}

// --- generators ----------------------------------------------------------------------------------

/** `KEY=VALUE` lines; `#` comments and blank lines skipped, as kustomize reads an env file. A line without `=` (kustomize would read the value from its own environment) is refused. */
export function parseEnvFile(text: string, where: string): [string, string][] {
  const pairs: [string, string][] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) fail(where, `line ${index + 1} is not KEY=VALUE`);
    pairs.push([line.slice(0, equals), line.slice(equals + 1)]);
  });
  return pairs;
}

function generate(kind: 'ConfigMap' | 'Secret', generator: Json, dir: string, where: string): Resource {
  if (!isObject(generator) || typeof generator.name !== 'string') fail(where, `a ${kind} generator needs a name`);
  for (const field of Object.keys(generator)) if (!['name', 'literals', 'files', 'envs'].includes(field)) fail(where, `${kind} generator field \`${field}\` is not supported`);
  const pairs: [string, string][] = [];
  for (const literal of list(generator.literals, where, 'literals')) {
    if (typeof literal !== 'string' || !/^[^=]+=/.test(literal)) fail(where, `literal ${JSON.stringify(literal)} is not KEY=VALUE`);
    const equals = literal.indexOf('=');
    const value = literal.slice(equals + 1);
    if (/^(['"]).*\1$/.test(value)) fail(where, `literal ${literal}: quoted values are not supported`);
    pairs.push([literal.slice(0, equals), value]);
  }
  const local = (relative: string) => {
    const file = path.resolve(dir, relative);
    if (!file.startsWith(dir + path.sep)) fail(where, `${relative} is outside the kustomization's folder (kustomize refuses it)`);
    if (!existsSync(file)) fail(where, `${relative} does not exist`);
    return file;
  };
  for (const source of list(generator.files, where, 'files')) {
    if (typeof source !== 'string') fail(where, 'files must be strings');
    const [key, relative] = source.includes('=') ? (source.split('=', 2) as [string, string]) : [path.basename(source), source];
    pairs.push([key, readText(local(relative))]);
  }
  for (const source of list(generator.envs, where, 'envs')) {
    if (typeof source !== 'string') fail(where, 'envs must be strings');
    pairs.push(...parseEnvFile(readText(local(source)), `${where}/${source}`));
  }
  const data: JsonObject = {};
  for (const [key, value] of pairs) {
    if (key in data) fail(where, `${generator.name}: key ${key} twice`);
    data[key] = kind === 'Secret' ? kustomizeBase64(value) : value;
  }
  const resource: Resource = { apiVersion: 'v1', kind, metadata: { name: generator.name }, data };
  if (kind === 'Secret') resource.type = 'Opaque';
  return resource;
}

/**
 * A Secret value as kustomize writes it (api/kv): base64 in lines of 70 characters, each ended by a
 * newline once the encoding is 70 characters or longer. The hash is taken over this text.
 */
export function kustomizeBase64(value: string): string {
  const encoded = Buffer.from(value, 'utf8').toString('base64');
  const lineLength = 70;
  if (Math.floor(encoded.length / lineLength) + 1 === 1) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += lineLength) out += `${encoded.slice(i, i + lineLength)}\n`;
  return out;
}

/** Go's json.Marshal of a string map with sorted keys, HTML characters escaped as Go escapes them. */
function goJson(value: Json): string {
  const text = JSON.stringify(value, (_key, inner: Json) =>
    isObject(inner) ? Object.fromEntries(Object.keys(inner).sort().map((k) => [k, inner[k]])) : inner,
  );
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * kustomize's name suffix (api/hasher): sha256 of {kind, name, data} (and type for a Secret) as Go's
 * json.Marshal writes it, 10 hex digits, a few of them remapped. The name it encodes is always empty:
 * it looks the name up as one field called "metadata/name", which no object has (checked against
 * `kubectl kustomize` v5.5: only the kind, type and data change the suffix).
 */
export function kustomizeHash(resource: Resource): string {
  const encoded: JsonObject =
    resource.kind === 'Secret'
      ? { kind: 'Secret', type: resource.type ?? '', name: '', data: resource.data ?? '' }
      : { kind: 'ConfigMap', name: '', data: resource.data ?? '' };
  const hex = createHash('sha256').update(goJson(encoded)).digest('hex');
  const remap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => remap[c] ?? c).join('');
}

/** Pod specs of the workloads that can refer to ConfigMaps and Secrets. */
export function podSpecOf(resource: Resource): JsonObject | undefined {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(resource.kind)) return undefined;
  const spec = resource.spec;
  if (!isObject(spec) || !isObject(spec.template) || !isObject(spec.template.spec)) return undefined;
  return spec.template.spec;
}

/** Every container (init containers too) of a pod spec. */
export function containersOf(pod: JsonObject): JsonObject[] {
  return [...(Array.isArray(pod.initContainers) ? pod.initContainers : []), ...(Array.isArray(pod.containers) ? pod.containers : [])].filter(isObject);
}

function rewriteGeneratedReferences(resource: Resource, generated: Map<string, string>, where: string): Resource {
  const pod = podSpecOf(resource);
  if (!pod || generated.size === 0) return resource;
  const rename = (holder: JsonObject, field: string) => {
    const name = holder[field];
    if (typeof name === 'string' && generated.has(name)) holder[field] = generated.get(name) as string;
  };
  for (const container of containersOf(pod)) {
    for (const from of Array.isArray(container.envFrom) ? container.envFrom : []) {
      if (!isObject(from)) fail(where, 'envFrom entries must be mappings');
      if (isObject(from.configMapRef)) rename(from.configMapRef, 'name');
      if (isObject(from.secretRef)) rename(from.secretRef, 'name');
    }
    for (const variable of Array.isArray(container.env) ? container.env : []) {
      if (!isObject(variable) || !isObject(variable.valueFrom)) continue;
      if (isObject(variable.valueFrom.configMapKeyRef)) rename(variable.valueFrom.configMapKeyRef, 'name');
      if (isObject(variable.valueFrom.secretKeyRef)) rename(variable.valueFrom.secretKeyRef, 'name');
    }
  }
  for (const volume of Array.isArray(pod.volumes) ? pod.volumes : []) {
    if (!isObject(volume)) continue;
    if (isObject(volume.configMap)) rename(volume.configMap, 'name');
    if (isObject(volume.secret)) rename(volume.secret, 'secretName');
    if (isObject(volume.projected)) fail(where, 'projected volumes are not supported');
  }
  return resource;
}

// --- images ----------------------------------------------------------------------------------------

/** An image reference without its tag or digest: `registry:5000/a/b:tag@sha256:…` → `registry:5000/a/b`. */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] as string;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

function applyImage(resources: Resource[], entry: Json, where: string): void {
  if (!isObject(entry) || typeof entry.name !== 'string') fail(where, 'images entries need a name');
  for (const field of Object.keys(entry)) if (!['name', 'newName', 'newTag', 'digest'].includes(field)) fail(where, `images.${field} is not supported`);
  let matched = 0;
  for (const resource of resources) {
    const pod = podSpecOf(resource);
    if (!pod) continue;
    for (const container of containersOf(pod)) {
      if (typeof container.image !== 'string' || imageName(container.image) !== entry.name) continue;
      const current = container.image;
      const name = typeof entry.newName === 'string' ? entry.newName : entry.name;
      const oldTag = current.slice(imageName(current).length);
      const suffix = typeof entry.digest === 'string' ? `@${entry.digest}` : typeof entry.newTag === 'string' ? `:${entry.newTag}` : oldTag;
      container.image = name + suffix;
      matched += 1;
    }
  }
  if (matched === 0) fail(where, `images: no container uses ${entry.name}`);
}

// --- patches ---------------------------------------------------------------------------------------

function matchesTarget(resource: Resource, target: JsonObject, where: string): boolean {
  for (const field of Object.keys(target)) if (!['kind', 'name', 'labelSelector'].includes(field)) fail(where, `patch target field \`${field}\` is not supported`);
  if (typeof target.kind === 'string' && target.kind !== resource.kind) return false;
  if (typeof target.name === 'string' && !new RegExp(`^(?:${target.name})$`).test(resource.metadata.name)) return false;
  if (typeof target.labelSelector === 'string') {
    const labels = isObject(resource.metadata.labels) ? resource.metadata.labels : {};
    for (const requirement of target.labelSelector.split(',')) {
      const match = /^\s*([^=!\s]+)\s*=\s*([^=\s]*)\s*$/.exec(requirement);
      if (!match) fail(where, `labelSelector ${target.labelSelector}: only key=value requirements are supported`);
      if (labels[match[1] as string] !== match[2]) return false;
    }
  }
  return true;
}

/** RFC 6901: `/spec/ports/0` → ['spec', 'ports', '0']. */
const pointer = (value: string) => value.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Applies JSON 6902 operations (add, replace, remove) to a copy; a path that does not exist throws, as kustomize does. */
export function applyJsonPatch(document: Json, operations: Json, where: string): Json {
  if (!Array.isArray(operations)) fail(where, 'a patch must be a list of JSON 6902 operations (strategic merge patches are not supported)');
  const result = clone(document);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') fail(where, 'each operation needs op and path');
    const parts = pointer(operation.path);
    const last = parts.pop();
    if (last === undefined) fail(where, 'the root cannot be patched');
    let parent: Json = result;
    for (const part of parts) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(part)] : isObject(parent) ? parent[part] : undefined;
      if (next === undefined) fail(where, `${operation.path}: ${part} does not exist`);
      parent = next;
    }
    const exists = Array.isArray(parent) ? /^\d+$/.test(last) && Number(last) < parent.length : isObject(parent) && last in parent;
    switch (operation.op) {
      case 'replace':
      case 'remove':
        if (!exists) fail(where, `${operation.op} ${operation.path}: it does not exist`);
        break;
      case 'add':
        break;
      default:
        fail(where, `op ${operation.op} is not supported`);
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index > parent.length) fail(where, `${operation.path}: bad index`);
      if (operation.op === 'remove') parent.splice(index, 1);
      else if (operation.op === 'replace') parent[index] = clone(operation.value as Json);
      else parent.splice(index, 0, clone(operation.value as Json));
    } else if (isObject(parent)) {
      if (operation.op === 'remove') delete parent[last];
      else parent[last] = clone(operation.value as Json);
    } else {
      fail(where, `${operation.path}: the parent is not a container`);
    }
  }
  return result;
}

function applyPatch(resources: Resource[], entry: Json, where: string): void {
  if (!isObject(entry) || !isObject(entry.target) || typeof entry.patch !== 'string') fail(where, 'patches entries need a target and an inline patch');
  for (const field of Object.keys(entry)) if (!['target', 'patch'].includes(field)) fail(where, `patches.${field} is not supported`);
  const [operations] = parseYamlDocuments(entry.patch, `${where} patch`);
  let matched = 0;
  resources.forEach((resource, index) => {
    if (!matchesTarget(resource, entry.target as JsonObject, where)) return;
    if (resource.kind === 'ConfigMap' || resource.kind === 'Secret') fail(where, 'patching a ConfigMap or Secret is not supported (its hash would change)');
    resources[index] = asResource(applyJsonPatch(resource, operations ?? null, `${where} patch on ${keyOf(resource)}`), where);
    matched += 1;
  });
  if (matched === 0) fail(where, `patch target ${JSON.stringify(entry.target)} matches nothing`);
}
