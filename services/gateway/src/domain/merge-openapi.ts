/** A JSON object of an OpenAPI document, read without trusting its shape. */
export type JsonObject = Record<string, unknown>;

/** The merged document the gateway serves at `/openapi.json` and shows at `/docs`. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: JsonObject;
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, unknown> };
  /** The services whose documents could not be had: their operations are missing. */
  'x-unavailable': string[];
}

/** One source of operations: a service's document, as fetched. */
export interface SourceDocument {
  /** The service: every operation taken from it is tagged with this name. */
  name: string;
  /** `undefined` (or anything but an OpenAPI object) when the service could not provide one. */
  document: unknown;
  /** The operations to take, by OpenAPI path and lower-case method; all of them when absent. */
  allow?: readonly { path: string; method: string }[];
}

const SCHEMA_REF = '#/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A deep copy of a JSON value with every `$ref` to a renamed schema pointing at its new name. */
function renameRefs(value: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, renames));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key !== '$ref' || typeof item !== 'string' || !item.startsWith(SCHEMA_REF)) return [key, renameRefs(item, renames)];
      const [name = '', ...rest] = item.slice(SCHEMA_REF.length).split('/');
      return [key, SCHEMA_REF + [renames.get(name) ?? name, ...rest].join('/')];
    }),
  );
}

/** The names of the component schemas a JSON value refers to. */
function refsOf(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsOf(item, into);
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && item.startsWith(SCHEMA_REF)) into.add(item.slice(SCHEMA_REF.length).split('/')[0] ?? '');
      else refsOf(item, into);
    }
  }
  return into;
}

/** Only the schemas the operations need, directly or through another schema. */
function reachableSchemas(operations: unknown, schemas: Record<string, unknown>): Record<string, unknown> {
  const seen = new Set<string>();
  const queue = [...refsOf(operations, new Set())];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (seen.has(name) || !(name in schemas)) continue;
    seen.add(name);
    queue.push(...refsOf(schemas[name], new Set()));
  }
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => seen.has(name)));
}

function pickOperations(paths: JsonObject, allow: SourceDocument['allow']): { path: string; method: string; operation: JsonObject }[] {
  const wanted = allow ?? Object.entries(paths).flatMap(([path, item]) => (isObject(item) ? METHODS.filter((m) => m in item).map((method) => ({ path, method })) : []));
  return wanted.flatMap(({ path, method }) => {
    const operation = (paths[path] as JsonObject | undefined)?.[method];
    return isObject(operation) ? [{ path, method, operation }] : [];
  });
}

/**
 * Adds a source's schemas to the merged ones. A name already taken by a different schema is
 * renamed `<source>.<name>`; the renames are returned, for the source's `$ref`s to follow.
 */
function addSchemas(schemas: Record<string, unknown>, incoming: Record<string, unknown>, source: string): Map<string, string> {
  const renames = new Map<string, string>();
  for (const [name, schema] of Object.entries(incoming)) {
    if (name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(schema)) renames.set(name, `${source}.${name}`);
  }
  for (const [name, schema] of Object.entries(incoming)) {
    const target = renames.get(name) ?? name;
    if (!(target in schemas)) schemas[target] = renameRefs(schema, renames);
  }
  return renames;
}

/**
 * Merges several OpenAPI documents into one: from each source only the allowed operations, each
 * tagged with its source, and only the component schemas those operations need; a schema name two
 * sources use differently is renamed `<source>.<name>` in the second. A source without a usable
 * document is named in `x-unavailable`.
 */
export function mergeOpenApi(info: JsonObject, sources: readonly SourceDocument[]): OpenApiDocument {
  const merged: OpenApiDocument = { openapi: '3.1.0', info, tags: [], paths: {}, components: { schemas: {} }, 'x-unavailable': [] };
  const schemas = merged.components.schemas;
  for (const { name, document, allow } of sources) {
    if (!isObject(document) || !isObject(document.paths)) {
      merged['x-unavailable'].push(name);
      continue;
    }
    const picked = pickOperations(document.paths, allow);
    const own = isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
    const incoming = reachableSchemas(picked, own);
    const renames = addSchemas(schemas, incoming, name);
    for (const { path, method, operation } of picked) {
      merged.paths[path] = { ...merged.paths[path], [method]: { ...(renameRefs(operation, renames) as JsonObject), tags: [name] } };
    }
    const description = isObject(document.info) && typeof document.info.description === 'string' ? { description: document.info.description } : {};
    merged.tags.push({ name, ...description });
  }
  return merged;
}
