import { createRequire } from 'node:module';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';

/**
 * Routes repeat the same schemas: every route's problem responses, the same parameters and
 * bodies, and each GET's HEAD twin. Fastify builds a validator per route and request part and a
 * serializer per route and status code all the same, and that was most of an app's start-up work
 * (the gateway built 279 serializers for 23 distinct schemas). A compiled validator or serializer
 * is a function of its schema alone, so here each distinct schema is compiled once per app and its
 * routes share the result.
 */

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;

// Fastify's own serializer factory (fast-json-stringify), resolved next to Fastify, wherever the package manager put it.
const fastifySerializers = (createRequire(createRequire(import.meta.url).resolve('fastify'))('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory })
  .SerializerSelector;

/**
 * The text of a schema, as a key: `undefined` when it holds anything JSON cannot say (a function,
 * a RegExp, a class instance), which could make two different schemas look alike. Such a schema is
 * compiled for its route alone.
 */
export function schemaKey(schema: unknown): string | undefined {
  let plain = true;
  const text = JSON.stringify(schema, (_key, value: unknown) => {
    if (typeof value === 'function' || typeof value === 'bigint' || typeof value === 'symbol') plain = false;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) plain = false;
    }
    return plain ? value : undefined;
  });
  return plain ? text : undefined;
}

/** `compile`, remembering its result for each key `keyOf` gives (a route without a key is compiled anew). */
function remembered<R, F>(compile: (route: R) => F, keyOf: (route: R) => string | undefined, results = new Map<string, F>()): (route: R) => F {
  return (route) => {
    const key = keyOf(route);
    if (key === undefined) return compile(route);
    let result = results.get(key);
    if (result === undefined) {
      result = compile(route);
      results.set(key, result);
    }
    return result;
  };
}

/**
 * The validator compiler `compile`, building one validator per request part and distinct schema.
 *
 * @example
 * app.setValidatorCompiler(validatorsOncePerSchema(validatorCompiler))
 */
export function validatorsOncePerSchema<T>(compile: FastifySchemaCompiler<T>): FastifySchemaCompiler<T> {
  return remembered(compile, ({ httpPart, schema }) => {
    const key = schemaKey(schema);
    return key === undefined ? undefined : `${httpPart ?? ''} ${key}`;
  });
}

/**
 * Fastify's serializer factory, building one serializer per distinct schema for each set of shared
 * schemas (`addSchema`) it is given: a context that adds one asks the factory again for each route.
 *
 * @example
 * fastify({ schemaController: { compilersFactory: { buildSerializer: serializersOncePerSchema() } } })
 */
export function serializersOncePerSchema(): SerializerFactory {
  const build = fastifySerializers();
  const results = new Map<string, ReturnType<ReturnType<SerializerFactory>>>();
  return (externalSchemas, options) => {
    const shared = schemaKey([externalSchemas, options]);
    return remembered(build(externalSchemas, options), (route) => {
      const key = schemaKey(route.schema);
      return shared === undefined || key === undefined ? undefined : `${shared} ${key}`;
    }, results);
  };
}
