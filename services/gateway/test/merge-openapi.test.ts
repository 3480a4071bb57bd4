import { describe, expect, test } from 'vitest';
import { mergeOpenApi } from '../src/domain/merge-openapi.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const op = (schema: unknown) => ({ responses: { 200: { content: { 'application/json': { schema } } } } });

describe('mergeOpenApi', () => {
  test('When a renamed schema is referred to from another schema, then that reference follows the rename too', () => {
    const first = { paths: { '/a': { get: op(ref('Item')) } }, components: { schemas: { Item: { type: 'string' } } } };
    const second = {
      paths: { '/b': { get: op(ref('Page')) } },
      components: { schemas: { Item: { type: 'integer' }, Page: { type: 'array', items: ref('Item') } } },
    };
    const merged = mergeOpenApi({ title: 't' }, [
      { name: 'one', document: first },
      { name: 'two', document: second },
    ]);
    expect(merged.components.schemas).toEqual({
      Item: { type: 'string' },
      'two.Item': { type: 'integer' },
      Page: { type: 'array', items: ref('two.Item') },
    });
  });

  test('When an operation is not allowed, then neither it nor the schemas only it needs are taken', () => {
    const doc = {
      paths: { '/a': { get: op(ref('Public')), put: op(ref('Secret')) } },
      components: { schemas: { Public: { type: 'string' }, Secret: { type: 'object' }, Unused: { type: 'null' } } },
    };
    const merged = mergeOpenApi({}, [{ name: 's', document: doc, allow: [{ path: '/a', method: 'get' }, { path: '/missing', method: 'get' }] }]);
    expect(Object.keys(merged.paths['/a'] ?? {})).toEqual(['get']);
    expect(Object.keys(merged.components.schemas)).toEqual(['Public']);
    expect(merged.paths['/missing']).toBeUndefined();
  });

  test.each([
    ['nothing', undefined],
    ['a string', 'not a document'],
    ['an object without paths', { openapi: '3.1.0' }],
    ['paths that are not an object', { paths: [] }],
  ])('When a source gives %s, then it is named unavailable and nothing of it is taken', (_case, document) => {
    const merged = mergeOpenApi({}, [{ name: 'broken', document }]);
    expect(merged['x-unavailable']).toEqual(['broken']);
    expect(merged.paths).toEqual({});
    expect(merged.tags).toEqual([]);
  });
});
