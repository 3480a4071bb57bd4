import type { FastifySchemaCompiler } from 'fastify';
import { listenOnFreePort } from '@microshop/testkit';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schemaKey, serializersOncePerSchema, validatorsOncePerSchema } from '../src/compile-once.js';
import { createServer, problemResponses, type App } from '../src/server.js';

const route = (schema: unknown, httpPart: string) => ({ schema, method: 'GET', url: '/x', httpPart });
const response = (schema: unknown) => ({ schema, method: 'GET', url: '/x', httpStatus: '400' });

describe('Compiling each schema once', () => {
  test('When two routes have equal schemas (different objects), then one validator serves both; another request part or schema gets its own', () => {
    let compiled = 0;
    const compile: FastifySchemaCompiler<unknown> = () => {
      compiled += 1;
      const validate = () => true;
      return validate;
    };
    const once = validatorsOncePerSchema(compile);
    const id = () => ({ type: 'object', properties: { id: { type: 'integer' } } });
    const first = once(route(id(), 'params'));
    expect(once(route(id(), 'params'))).toBe(first);
    expect(once(route(id(), 'querystring'))).not.toBe(first);
    expect(once(route({ ...id(), required: ['id'] }, 'params'))).not.toBe(first);
    expect(compiled).toBe(3);
  });

  test('When a schema holds what JSON cannot say (a function, a RegExp), then it is compiled for its route alone', () => {
    expect(schemaKey({ type: 'string', pattern: '^a' })).toBe('{"type":"string","pattern":"^a"}');
    expect(schemaKey({ type: 'string', check: () => true })).toBeUndefined();
    expect(schemaKey({ type: 'string', pattern: /^a/ })).toBeUndefined();
    let compiled = 0;
    const once = validatorsOncePerSchema<unknown>(() => {
      compiled += 1;
      return () => true;
    });
    const odd = () => ({ type: 'string', check: () => true });
    once(route(odd(), 'body'));
    once(route(odd(), 'body'));
    expect(compiled).toBe(2);
  });

  test('When serializers are built, then equal schemas share one, and other shared schemas (addSchema) make another', () => {
    const factory = serializersOncePerSchema();
    const problem = { Problem: { $id: 'Problem', type: 'object', properties: { title: { type: 'string' } } } };
    const other = { Problem: { $id: 'Problem', type: 'object', properties: { detail: { type: 'string' } } } };
    const ref = () => ({ $ref: 'Problem#' });
    const first = factory(problem)(response(ref()));
    // A context that added a schema asks the factory again for every route: still the same serializer.
    expect(factory(problem)(response(ref()))).toBe(first);
    const another = factory(other)(response(ref()));
    expect(another).not.toBe(first);
    expect(first({ title: 'Bad', detail: 'x' })).toBe('{"title":"Bad"}');
    expect(another({ title: 'Bad', detail: 'x' })).toBe('{"detail":"x"}');
  });

  describe('on a server', () => {
    let app: App;
    let url: string;

    beforeAll(async () => {
      app = await createServer({ name: 'compile-test', logLevel: false, docs: false, chaos: false });
      // Schemas that differ only in what they keep: a shared serializer would show in the answers.
      const withName = Type.Object({ id: Type.Integer(), name: Type.String() });
      const withEmail = Type.Object({ id: Type.Integer(), email: Type.String() });
      const answer = { id: 7, name: 'Ann', email: 'ann@example.com', secret: 's' };
      const params = Type.Object({ id: Type.Integer() });
      app.get('/names/:id', { schema: { params, response: { 200: withName, ...problemResponses } } }, async () => answer);
      app.get('/also-names/:id', { schema: { params: Type.Object({ id: Type.Integer() }), response: { 200: Type.Object({ id: Type.Integer(), name: Type.String() }), ...problemResponses } } }, async () => answer);
      app.get('/emails/:id', { schema: { params, response: { 200: withEmail, ...problemResponses } } }, async () => answer);
      url = await listenOnFreePort(app);
    });
    afterAll(async () => {
      await app.close();
    });

    test('When routes share some schemas and not others, then each answer has exactly its own fields, and validation still refuses per route', async () => {
      expect(await (await fetch(`${url}/names/7`)).json()).toEqual({ id: 7, name: 'Ann' });
      expect(await (await fetch(`${url}/also-names/7`)).json()).toEqual({ id: 7, name: 'Ann' });
      expect(await (await fetch(`${url}/emails/7`)).json()).toEqual({ id: 7, email: 'ann@example.com' });
      const refused = await fetch(`${url}/emails/seven`);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ status: 400, field: 'id' });
    });
  });
});
