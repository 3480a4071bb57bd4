import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEPLOY = path.join(ROOT, 'deploy');

/** A plain JSON-like value, as YAML gives it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every document of a YAML text, as plain values. Merge keys (`<<: *anchor`) are applied, as Docker
 * Compose applies them; any parse error or warning throws, naming the source.
 */
export function parseYamlDocuments(text: string, source: string): Json[] {
  const documents = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(documents)) throw new Error(`${source}: not YAML documents`);
  const values: Json[] = [];
  for (const document of documents) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${source}: ${problems.map((p) => p.message).join('; ')}`);
    const value = document.toJS({ maxAliasCount: 1000 }) as Json;
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export const readText = (file: string): string => readFileSync(file, 'utf8');

export const readYaml = (file: string): Json[] => parseYamlDocuments(readText(file), path.relative(ROOT, file));

/** A deep copy, for breaking a copy of a real file on purpose. */
export const clone = <T>(value: T): T => structuredClone(value);
