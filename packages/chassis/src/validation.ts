import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats ships CommonJS with a default export; under NodeNext it arrives one level down.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are validated strictly: `"3"` is not a number and unknown fields are refused (never
 * silently dropped). Path, query and headers are text on the wire, so they are coerced
 * (`?limit=10` → 10, a single `?id=1` → `[1]`).
 */
const strict = makeAjv({ coerceTypes: false, removeAdditional: false });
const coercing = makeAjv({ coerceTypes: 'array', removeAdditional: false });

/** Compiles each route schema with the validator fit for its part of the request. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema);
};

/** Compiles a schema for values that arrive as text, such as environment variables. */
export function compileCoercing<T>(schema: object) {
  return coercing.compile<T>(schema);
}

/**
 * The deepest nesting of arrays and objects a JSON body may have. Every contract's body is flat or
 * nearly so; a trace export (OTLP JSON) nests about ten levels.
 */
export const MAX_BODY_DEPTH = 64;

/**
 * True when `value` nests arrays and objects more than `limit` levels deep (`{}` is one level).
 * Iterative, so a body nested thousands of levels deep, which `JSON.parse` accepts, cannot exhaust
 * the stack here as it would in `JSON.stringify` or any recursive walk.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  // Two parallel stacks of the objects and arrays still to visit and their depths: only containers
  // are pushed, and nothing is allocated per node (a trace export has thousands of them).
  const objects: object[] = [value];
  const depths: number[] = [1];
  while (objects.length > 0) {
    const current = objects.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(current)) {
      for (const child of current as unknown[]) {
        if (child !== null && typeof child === 'object') {
          objects.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in current) {
        const child = (current as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          objects.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

const contractValidators = new WeakMap<object, ReturnType<Ajv['compile']>>();

/**
 * True when a neighbour's answer matches the schema of its contract. Clients check what they
 * receive before they trust it.
 */
export function matchesContract<T>(schema: object, value: unknown): value is T {
  let validate = contractValidators.get(schema);
  if (!validate) {
    validate = strict.compile(schema);
    contractValidators.set(schema, validate);
  }
  return validate(value) === true;
}
