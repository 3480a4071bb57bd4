import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SERVICES, type ServiceName } from '@microshop/contracts';
import ts from 'typescript';
import { readText, ROOT } from './files.js';

/** The processes a cluster runs: every service of the spec but the registry (discovery there is DNS). */
export const DEPLOYED: ServiceName[] = (Object.keys(SERVICES) as ServiceName[]).filter((name) => name !== 'registry');

/**
 * The schemas every Microshop process reads besides its own config.ts: telemetry (the
 * `--import @microshop/chassis/telemetry/register` preload of each image's CMD) and the resilience
 * patterns (read by the chassis when any service builds its app).
 */
export const PROCESS_WIDE_SCHEMAS = [
  { file: 'packages/chassis/src/telemetry/config.ts', name: 'TelemetryConfig' },
  { file: 'packages/chassis/src/resilience/config.ts', name: 'ResilienceConfig' },
] as const;

const parsed = new Map<string, ts.SourceFile>();
const parse = (file: string): ts.SourceFile => {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readText(path.join(ROOT, file)), ts.ScriptTarget.ES2022, true);
    parsed.set(file, source);
  }
  return source;
};

function chassisSources(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(relative);
    }
  };
  walk('packages/chassis/src');
  return found;
}

/** The object literal a `const <name> = {…}` or `const <name> = Type.Object({…})` holds in `file`, if any. */
function objectOf(file: string, name: string): { literal: ts.ObjectLiteralExpression; file: string } | undefined {
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name && node.initializer) {
      const init = node.initializer;
      if (ts.isObjectLiteralExpression(init)) found = init;
      else if (ts.isCallExpression(init) && init.expression.getText() === 'Type.Object' && init.arguments[0] && ts.isObjectLiteralExpression(init.arguments[0])) found = init.arguments[0];
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return found ? { literal: found, file } : undefined;
}

/** The variable names of an object literal: its own properties and, resolved in the chassis, its spreads (`...BaseConfig`). */
function variablesOf(literal: ts.ObjectLiteralExpression, file: string): string[] {
  const names: string[] = [];
  for (const property of literal.properties) {
    if (ts.isSpreadAssignment(property)) {
      const spread = property.expression.getText();
      names.push(
        ...remember(`spread:${spread}`, () => {
          const source = chassisSources().map((f) => objectOf(f, spread)).find((o) => o !== undefined);
          if (!source) throw new Error(`${file}: cannot find ...${spread} in packages/chassis/src`);
          return variablesOf(source.literal, source.file);
        }),
      );
    } else if (property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
      names.push(property.name.text);
    } else {
      throw new Error(`${file}: a config property that is not a plain name: ${property.getText()}`);
    }
  }
  return names;
}

const memo = new Map<string, string[]>();
const remember = (key: string, compute: () => string[]): string[] => {
  let value = memo.get(key);
  if (!value) {
    value = compute();
    memo.set(key, value);
  }
  return [...value];
};

/** The environment variables one schema reads: a `Type.Object({...})` constant in `file`. */
export function schemaVariables(file: string, name: string): string[] {
  return remember(`${file}#${name}`, () => {
    const found = objectOf(file, name);
    if (!found) throw new Error(`${file} has no ${name}`);
    return variablesOf(found.literal, file);
  });
}

/** The variables a service's own config.ts reads: the one `const <X>Config = Type.Object({...})` it declares. */
export function serviceConfigVariables(service: ServiceName): string[] {
  return remember(`service:${service}`, () => readServiceConfigVariables(service));
}

function readServiceConfigVariables(service: ServiceName): string[] {
  const file = `services/${service}/src/config.ts`;
  const names: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && /Config$/.test(node.name.text) && node.initializer && ts.isCallExpression(node.initializer) && node.initializer.expression.getText() === 'Type.Object') {
      names.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  if (names.length !== 1) throw new Error(`${file} declares ${names.length} config schemas (${names.join(', ')}): expected one`);
  return schemaVariables(file, names[0] as string);
}

/** Every environment variable the process of `service` reads: its own config, telemetry, resilience. */
export function variablesRead(service: ServiceName): Set<string> {
  return new Set([...serviceConfigVariables(service), ...PROCESS_WIDE_SCHEMAS.flatMap((s) => schemaVariables(s.file, s.name))]);
}

/** A URL variable of a service's config → the service it names: USER_SERVICE_URL → user-service, PAYMENT_PROVIDER_URL → payment-provider. */
export function serviceOfUrlVariable(variable: string): ServiceName | undefined {
  const match = /^([A-Z_]+)_URL$/.exec(variable);
  const name = match?.[1]?.toLowerCase().replace(/_/g, '-');
  return name !== undefined && name in SERVICES ? (name as ServiceName) : undefined;
}

/**
 * A plain Node process (not the test runner's module graph) that imports the compiled config readers
 * once and answers one JSON line per request: each environment read by the service's loadConfig, the
 * telemetry settings and the resilience settings, and the error of each reader that refuses it.
 */
const CONFIG_READER = `
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
const readers = (service) => [
  ['services/' + service + '/dist/config.js', 'loadConfig'],
  ['packages/chassis/dist/telemetry/config.js', 'readTelemetrySettings'],
  ['packages/chassis/dist/resilience/config.js', 'loadResilienceSettings'],
];
for await (const line of createInterface({ input: process.stdin })) {
  const { root, checks } = JSON.parse(line);
  const results = [];
  for (const { service, env } of checks) {
    const errors = [];
    for (const [file, name] of readers(service)) {
      try {
        (await import(pathToFileURL(path.join(root, file)).href))[name](env);
      } catch (error) {
        errors.push(file + ': ' + (error instanceof Error ? error.message : String(error)));
      }
    }
    results.push(errors);
  }
  process.stdout.write(JSON.stringify(results) + '\\n');
}
`;

let reader: { child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> } | undefined;
const answers = new Map<string, string[]>();

async function ask(checks: { service: ServiceName; env: Record<string, string> }[]): Promise<string[][]> {
  if (!reader) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CONFIG_READER], { env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.unref();
    reader = { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
  }
  reader.child.stdin.write(`${JSON.stringify({ root: ROOT, checks })}\n`);
  const { value, done } = await reader.lines.next();
  if (done) throw new Error('the config reader process ended: run `npm run build` first?');
  return JSON.parse(value) as string[][];
}

/**
 * Validates environments the way each process would at start-up, with the compiled config readers
 * (\`npm run build\` first): the service's loadConfig, the telemetry settings and the resilience
 * settings. Returns, per environment, the error of each reader that refuses it: none when the
 * process would start. Answers are kept: a broken copy only asks about what it changed.
 */
export async function configErrors(checks: { service: ServiceName; env: Record<string, string> }[]): Promise<string[][]> {
  const key = (check: { service: ServiceName; env: Record<string, string> }) => JSON.stringify([check.service, Object.entries(check.env).sort()]);
  const unknown = checks.filter((check) => !answers.has(key(check)));
  if (unknown.length > 0) (await ask(unknown)).forEach((errors, index) => answers.set(key(unknown[index] as (typeof unknown)[number]), errors));
  return checks.map((check) => answers.get(key(check)) ?? []);
}

/** Stops the config reader process (tests call it once they are done). */
export function closeConfigReader(): void {
  reader?.child.stdin.end();
  reader?.child.kill();
  reader = undefined;
}

/** The path of the health route every service registers (the chassis' registerHealth, the gateway's own health route). */
export function healthPaths(): string[] {
  return ['packages/chassis/src/health.ts', 'services/gateway/src/routes/health-routes.ts'].map((file) => {
    const match = /app\.get\(\s*'([^']+)'/.exec(readText(path.join(ROOT, file)));
    if (!match?.[1]) throw new Error(`${file}: no app.get('<path>') found`);
    return match[1];
  });
}

/** `resolver('<service>')` literals in a service's sources: the neighbours its code resolves by name. */
export function resolvedInCode(service: ServiceName): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.ts')) for (const match of readText(path.join(ROOT, relative)).matchAll(/\bresolver\(\s*'([a-z-]+)'\s*\)/g)) found.add(match[1] as string);
    }
  };
  walk(`services/${service}/src`);
  return found;
}
