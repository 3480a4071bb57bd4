import path from 'node:path';
import ts from 'typescript';
import { readText, ROOT, type JsonObject } from './files.js';
import type { Resource } from './kustomize.js';

/**
 * The Kubernetes version the manifests are validated against: kubernetes-models 4.5.1 (pinned in the
 * root package.json) carries the OpenAPI schemas of Kubernetes v1.33.0, precompiled to JSON-schema
 * validators. A change of the package must come with a change here (a test compares the two).
 */
export const KUBERNETES_SCHEMA_VERSION = '1.33.0';
export const KUBERNETES_MODELS_VERSION = '4.5.1';

export const installedKubernetesModelsVersion = (): string =>
  (JSON.parse(readText(path.join(ROOT, 'node_modules/kubernetes-models/package.json'))) as { version: string }).version;

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment` (the core group is `v1/...`). */
const modelModule = (apiVersion: string, kind: string) => {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z]+$/.test(kind)) throw new Error(`not a Kubernetes apiVersion/kind: ${apiVersion} ${kind}`);
  return `kubernetes-models/${apiVersion}/${kind}`;
};

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * Validates one manifest against the JSON schema of its apiVersion and kind, as the API server's
 * OpenAPI would (types, required fields, enums, formats). Unknown apiVersion/kind pairs are errors.
 * Unknown fields are not: the schemas allow them, see {@link strictFieldErrors}.
 */
export async function schemaErrors(manifest: JsonObject): Promise<string[]> {
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind are required'];
  let Model: ModelClass | undefined;
  try {
    const module = (await import(modelModule(apiVersion, kind))) as Record<string, ModelClass | undefined>;
    Model = module[kind];
  } catch (error) {
    return [`${apiVersion} ${kind} is not a Kubernetes ${KUBERNETES_SCHEMA_VERSION} type (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`];
  }
  if (!Model) return [`${apiVersion} ${kind} is not a Kubernetes ${KUBERNETES_SCHEMA_VERSION} type`];
  // kustomize writes long Secret values in base64 lines of 70 characters; the API server decodes them
  // with Go's base64, which skips line breaks, while the schema's `byte` format does not allow them.
  const checked = kind === 'Secret' && apiVersion === 'v1' && typeof manifest.data === 'object' && manifest.data !== null && !Array.isArray(manifest.data)
    ? { ...manifest, data: Object.fromEntries(Object.entries(manifest.data).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/\r?\n/g, '') : value])) }
    : manifest;
  try {
    new Model(checked).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

const label = (manifest: JsonObject) => `${String(manifest.kind)}/${String((manifest.metadata as JsonObject | undefined)?.name)}`;

/**
 * Unknown fields (a misspelt `readinesProbe`, a field at the wrong level), which the JSON schemas let
 * through as `kubectl apply --validate=strict` would not: every manifest is type-checked by the
 * TypeScript compiler as an object literal of its kind's interface from kubernetes-models, whose
 * excess-property check names each field that is not in the API. Returns the errors per manifest.
 */
export function strictFieldErrors(manifests: JsonObject[]): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  const file = path.join(ROOT, 'test/deploy/.manifests-under-check.mts');
  const lines: string[] = [];
  const ranges: { from: number; to: number; manifest: JsonObject }[] = [];
  manifests.forEach((manifest, index) => {
    const { apiVersion, kind } = manifest;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      errors.set(label(manifest), ['apiVersion and kind are required']);
      return;
    }
    lines.push(`import type { I${kind} as T${index} } from '${modelModule(apiVersion, kind)}';`);
  });
  manifests.forEach((manifest, index) => {
    if (typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string') return;
    const from = lines.length;
    lines.push(`export const m${index}: T${index} = ${JSON.stringify(manifest, null, 2)};`);
    ranges.push({ from, to: lines.length + JSON.stringify(manifest, null, 2).split('\n').length - 1, manifest });
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest));
  host.fileExists = (name) => path.resolve(name) === file || fileExists.call(host, name);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (!diagnostic.file || diagnostic.start === undefined || path.resolve(diagnostic.file.fileName) !== file) {
      errors.set('(compiler)', [...(errors.get('(compiler)') ?? []), message]);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const range = ranges.find((r) => line >= r.from && line <= r.to);
    const key = range ? label(range.manifest) : '(imports)';
    errors.set(key, [...(errors.get(key) ?? []), message]);
  }
  return errors;
}

/** Both checks over a list of manifests: each manifest's problems, keyed `Kind/name`; empty when all are valid. */
export async function validateManifests(manifests: (Resource | JsonObject)[]): Promise<Map<string, string[]>> {
  const problems = strictFieldErrors(manifests);
  for (const manifest of manifests) {
    const found = await schemaErrors(manifest);
    if (found.length > 0) problems.set(label(manifest), [...found, ...(problems.get(label(manifest)) ?? [])]);
  }
  return problems;
}
