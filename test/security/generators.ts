import fc from 'fast-check';
import { fieldsOf, type FuzzEndpoint, type Table } from './endpoints.js';

/**
 * What the fuzzer knows exists: the highest id of each table. Valid requests refer to ids up to a
 * little beyond it (some exist, some do not); it grows as the fuzzer's own creates succeed.
 */
export type World = Record<Table, number>;

/** One generated request, exactly as it goes on the wire, and what it carried. */
export interface FuzzRequest {
  method: 'GET' | 'POST';
  /** Path and query as sent, percent-encoding (or its absence) included. */
  path: string;
  headers: Record<string, string>;
  /** The body's text; absent: no body at all. */
  body?: string;
  /** What the request carried by name, for the naming property (see `checkAnswer`). */
  carried: Carried;
  /** How the case was made (`valid`, `mutated body`, `bad path`…): counted in the report. */
  kind: string;
}

export interface Carried {
  /** Query keys as sent: for each key, its spellings (raw, and decoded as servers decode it). */
  query: string[][];
  /** Top-level fields of a body that is a JSON object; empty otherwise. */
  body: string[];
  /** Header names sent, lower case. */
  headers: string[];
}

/** Fields only the server may set: a client sending one is refused (mass assignment). */
export const SERVER_FIELDS = [
  'id',
  'status',
  'total',
  'total_price',
  'total_cents',
  'price',
  'amount',
  'amount_cents',
  'created_at',
  'updated_at',
  'stock',
  'stock_received',
  'reason',
  'cancel_reason',
  'expires_at',
  'step',
  'charge_id',
  'user_id',
  'order_id',
  'is_admin',
  'role',
] as const;

/** Keys that have tripped JavaScript servers before: prototype pollution and inherited names. */
const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** Text that is numbers to some parsers and not to others. */
const NUMBERISH = ['0', '-0', '-1', '1.5', '1e3', '1e30', '1e-7', '0x10', '0b1', '+8', '007', '1_000', 'Infinity', '-Infinity', 'NaN', '2147483647', '2147483648', '9007199254740993', '99999999999999999999', '1.0', '1,2', 'true', 'null', 'undefined'] as const;

/** Percent-encoding that does not decode, or decodes to something awkward. */
const PERCENT_JUNK = ['%', '%zz', '%C0%AF', '%00', '%2F', '%2e%2e', '%FF', '%E2%82', '%ED%A0%80', '%25', '%20', '..', '.', '%0A', '%5B%5D'] as const;

/** Numbers written as JSON text that `JSON.stringify` would never produce. */
const RAW_NUMBERS = ['1e400', '-1e400', '1E2', '1.0', '-0', '0.1e1', '123456789012345678901234567890', '1.00000000000000000001', '0.000000000000000000001', '2.675', '999999.999', '1e-400'] as const;

/** Media types a JSON API should refuse, or accept only as what they are. */
const CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json-patch+json',
  'application/jsonx',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json;',
  'application/json, text/plain',
  '*/*',
  'json',
  'application/',
  ';',
] as const;

/** Text that is not JSON, or JSON that a careless parser mishandles. */
const BAD_JSON = [
  '{',
  '}',
  '{"a":1,}',
  "{'a':1}",
  'NaN',
  'undefined',
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '[',
  '{"__proto__":{"status":"PAID"}}',
  '{"constructor":{"prototype":{"status":"PAID"}}}',
  '"\\ud800"',
  '{"a":"\\u0000"}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
] as const;

const printableAscii = fc.string({ maxLength: 24 });
const anyUnicode = fc.string({ unit: 'binary', maxLength: 24 });

/** A string that is nothing but whitespace in Unicode's sense, or has some. */
const nonBlank = (text: string) => /\S/u.test(text);

/** An id of a table: mostly ones that exist, some just beyond. Read from the live world when generated. */
const idIn = (world: World, table: Table) => fc.nat({ max: 1_000_000 }).map((n) => 1 + (n % (world[table] + 3)));

/** A value of the wrong type or out of every documented range. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(null, true, false, '', ' ', '0', '1', 'NaN', -1, 0, 1.5, -0.01, 0.001, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, [], {}, [1], { a: 1 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: anyUnicode },
  { weight: 1, arbitrary: fc.string({ minLength: 190, maxLength: 2100 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A documented body that the API must accept (given ids that exist). */
export function validBody(endpoint: FuzzEndpoint, world: World): fc.Arbitrary<Record<string, unknown>> {
  const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter(nonBlank);
  switch (endpoint.name) {
    case 'POST /api/users':
      return fc.record({ name, email: fc.stringMatching(/^[a-z0-9]{1,16}$/).map((local) => `${local}@example.com`) });
    case 'POST /api/products':
      return fc.record(
        {
          name,
          price: fc.integer({ min: 1, max: 100_000_000 }).map((cents) => cents / 100),
          description: fc.string({ unit: 'grapheme', maxLength: 60 }),
          stock: fc.integer({ min: 0, max: 1000 }),
        },
        { requiredKeys: ['name', 'price'] },
      );
    case 'POST /api/products/:id/restock':
      return fc.record({ quantity: fc.integer({ min: 1, max: 1000 }) });
    case 'POST /api/orders':
      return fc.record({ user_id: idIn(world, 'users'), product_id: idIn(world, 'products'), quantity: fc.integer({ min: 1, max: 5 }) });
    case 'POST /api/orders/:id/cancel':
      return fc.constant({});
    case 'POST /api/payments':
      return fc.record({ order_id: idIn(world, 'orders') });
    default:
      throw new Error(`No valid body is known for ${endpoint.name}`);
  }
}

/** The table a path parameter names a row of. */
function tableOf(endpoint: FuzzEndpoint, param: string): Table {
  if (param === 'user_id') return 'users';
  const [, , resource] = endpoint.path.split('/');
  return (['users', 'products', 'orders', 'payments'] as const).find((table) => table === resource) ?? 'users';
}

/** A path segment that is not a valid id: text, unicode, numbers no id can be, broken percent-encoding, nothing. */
const badSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERISH).map(encodeURIComponent) },
  { weight: 2, arbitrary: anyUnicode.map(encodeURIComponent) },
  // Raw bytes 0x21-0xFF (what may go on the wire unencoded), '%' included: undecodable sequences.
  { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 12 }).filter((text) => !/[/?#]/.test(text)) },
  { weight: 2, arbitrary: fc.constantFrom(...PERCENT_JUNK) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 0 }).map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => encodeURIComponent(String(n))) },
  { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 31n, max: 10n ** 30n }).map(String) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 2000 }).map((n) => '1'.repeat(n)) },
);

/** One query key: documented, unknown, tricky, or oddly spelt. */
function queryKey(endpoint: FuzzEndpoint): fc.Arbitrary<string> {
  const documented = fieldsOf(endpoint.query);
  return fc.oneof(
    ...(documented.length > 0 ? [{ weight: 5, arbitrary: fc.constantFrom(...documented) }] : []),
    { weight: 2, arbitrary: fc.constantFrom<string>(...TRICKY_KEYS, ...SERVER_FIELDS, 'limit[]', 'id[0]', 'LIMIT', 'a.b', '') },
    { weight: 2, arbitrary: printableAscii.filter((key) => key.length > 0) },
    { weight: 1, arbitrary: anyUnicode },
  );
}

/** One query value: valid numbers, junk numbers, text, unicode, broken encoding, or none. */
const queryValue: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERISH).map(encodeURIComponent) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', '', '1&2', 'a=b').map(encodeURIComponent) },
  { weight: 2, arbitrary: anyUnicode.map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom(...PERCENT_JUNK) },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 3000 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A query string of 1-5 pairs, keys repeated at times; encoded as a client might, or not. */
function queryString(endpoint: FuzzEndpoint): fc.Arbitrary<string> {
  return fc.array(fc.tuple(queryKey(endpoint), queryValue, fc.boolean()), { minLength: 1, maxLength: 5 }).map((pairs) =>
    pairs.map(([key, value, encode]) => `${encode ? encodeURIComponent(key) : safeRawKey(key)}${value === undefined ? '' : `=${value}`}`).join('&'),
  );
}

/** A key sent without encoding: only what may go on the wire as it is (no `&`, `=`, `#`, spaces, controls). */
const safeRawKey = (key: string) => (/^[\x21-\x7e]*$/.test(key) && !/[&=#%+]/.test(key) ? key : encodeURIComponent(key));

/**
 * The keys of a query string, each as the server may spell it: raw, and decoded (`+` as a space;
 * the WHATWG way too, which forgives broken percent-encoding). An empty pair (`?`, `a=1&&b=2`)
 * carries none.
 */
function queryKeysOf(query: string): string[][] {
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const raw = pair.split('=')[0] ?? '';
      const spellings = new Set([raw, ...new URLSearchParams(pair).keys()]);
      try {
        spellings.add(decodeURIComponent(raw.replaceAll('+', ' ')));
      } catch {
        // Undecodable: the raw spelling is what the server can name.
      }
      return [...spellings];
    });
}

/** A body field outside the documented ones: server-set fields first, then tricky and random names. */
function extraKey(endpoint: FuzzEndpoint): fc.Arbitrary<string> {
  const documented = new Set(fieldsOf(endpoint.body));
  return fc
    .oneof(
      { weight: 5, arbitrary: fc.constantFrom<string>(...SERVER_FIELDS) },
      { weight: 2, arbitrary: fc.constantFrom<string>(...TRICKY_KEYS) },
      { weight: 2, arbitrary: printableAscii.filter((key) => key.length > 0) },
      { weight: 1, arbitrary: anyUnicode.filter((key) => key.length > 0) },
    )
    .filter((key) => !documented.has(key));
}

const withField = (body: Record<string, unknown>, key: string, value: unknown) => {
  // Defined rather than assigned: a key `__proto__` becomes an own field, as JSON.parse makes it.
  const copy = { ...body };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
};

const withoutField = (body: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(body).filter(([name]) => name !== key));

/** A valid body with exactly one thing wrong: a field missing, a field's value wrong, or one field too many. */
function mutatedBody(endpoint: FuzzEndpoint, world: World): fc.Arbitrary<{ kind: string; text: string }> {
  const documented = fieldsOf(endpoint.body);
  return validBody(endpoint, world).chain((valid) => {
    const present = Object.keys(valid);
    const json = (kind: string) => (value: Record<string, unknown>) => ({ kind, text: JSON.stringify(value) });
    return fc.oneof(
      ...(present.length > 0 ? [fc.constantFrom(...present).map((key) => json('missing field')(withoutField(valid, key)))] : []),
      ...(documented.length > 0 ? [fc.tuple(fc.constantFrom(...documented), wrongValue).map(([key, value]) => json('wrong value')(withField(valid, key, value)))] : []),
      ...(documented.length > 0
        ? [
            fc.tuple(fc.constantFrom(...documented), fc.constantFrom(...RAW_NUMBERS)).map(([key, token]) => ({
              kind: 'raw number',
              text: JSON.stringify(withField(valid, key, '\u0000')).replace('"\\u0000"', token),
            })),
          ]
        : []),
      { weight: 3, arbitrary: fc.tuple(extraKey(endpoint), fc.jsonValue({ maxDepth: 1 })).map(([key, value]) => json('extra field')(withField(valid, key, value))) },
      fc.dictionary(extraKey(endpoint), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 }).map((extra) => json('extra fields')(Object.entries(extra).reduce(withFieldEntry, valid))),
      // The same field twice in the text: the last one wins in JSON.parse.
      ...(present.length > 0
        ? [fc.tuple(fc.constantFrom(...present), wrongValue).map(([key, value]) => ({ kind: 'duplicate field', text: JSON.stringify(valid).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(value)},`) }))]
        : []),
    );
  });
}

const withFieldEntry = (body: Record<string, unknown>, [key, value]: [string, unknown]) => withField(body, key, value);

/** A body with the documented field names (and sometimes others), every value of a wrong type or out of range. */
function wronglyTypedBody(endpoint: FuzzEndpoint): fc.Arbitrary<string> {
  const documented = fieldsOf(endpoint.body);
  const model = Object.fromEntries(documented.map((key) => [key, wrongValue]));
  return fc.record(model, { requiredKeys: [] }).map((value) => JSON.stringify(value));
}

/** Text that is not JSON: cut short, random, or known to trouble parsers. */
function invalidJson(endpoint: FuzzEndpoint, world: World): fc.Arbitrary<string> {
  return fc.oneof(
    validBody(endpoint, world)
      .map((body) => JSON.stringify(body))
      .chain((text) => fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((end) => text.slice(0, end))),
    anyUnicode,
    fc.constantFrom(...BAD_JSON),
  );
}

interface BodyCase {
  kind: string;
  /** Absent: no body. */
  text?: string;
  /** Absent: no content-type header. */
  contentType?: string;
}

/** Every kind of body, weighted towards those that reach the service's validation. */
function bodyCase(endpoint: FuzzEndpoint, world: World): fc.Arbitrary<BodyCase> {
  const json = 'application/json';
  return fc.oneof(
    { weight: 4, arbitrary: validBody(endpoint, world).map((body) => ({ kind: 'valid', text: JSON.stringify(body), contentType: json })) },
    { weight: 8, arbitrary: mutatedBody(endpoint, world).map(({ kind, text }) => ({ kind, text, contentType: json })) },
    { weight: 3, arbitrary: wronglyTypedBody(endpoint).map((text) => ({ kind: 'wrong types', text, contentType: json })) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'any JSON', text: JSON.stringify(value), contentType: json })) },
    { weight: 3, arbitrary: invalidJson(endpoint, world).map((text) => ({ kind: 'invalid JSON', text, contentType: json })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(validBody(endpoint, world), fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.stringMatching(/^[a-z]{1,8}\/[a-z+.-]{1,12}$/)))
        .map(([body, contentType]) => ({ kind: 'wrong content-type', text: JSON.stringify(body), contentType })),
    },
    { weight: 2, arbitrary: fc.constantFrom<BodyCase>({ kind: 'empty body', text: '', contentType: json }, { kind: 'empty body', text: '' }, { kind: 'no body' }, { kind: 'no body', contentType: json }) },
    { weight: 1, arbitrary: fc.integer({ min: 66_000, max: 90_000 }).map((size) => ({ kind: 'oversized body', text: JSON.stringify({ name: 'x'.repeat(size) }), contentType: json })) },
  );
}

/** An `Idempotency-Key`: short, empty, too long, or none (most often). */
const idempotencyKey: fc.Arbitrary<string | undefined> = fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 250, maxLength: 300 }), fc.constantFrom('', ' ', 'a, b')), { freq: 6, nil: undefined });

/** A body's text as a JSON parser that ignores a leading byte order mark reads it (RFC 8259 allows it; Fastify's does). */
export const parseBody = (text: string): unknown => JSON.parse(text.replace(/^\uFEFF/, ''));

const topLevelFields = (text: string | undefined): string[] => {
  if (text === undefined) return [];
  try {
    const value: unknown = parseBody(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
  } catch {
    return [];
  }
};

/**
 * The requests for one endpoint: path parameters (valid ids, text, unicode, huge, negative and
 * fractional numbers, broken percent-encoding, empty), query strings (unknown and repeated keys,
 * wrong types, huge numbers) and, on a POST, bodies (valid, valid with one mutation, extra fields,
 * documented names with wrong values, any JSON, invalid JSON, wrong or no content-type, empty,
 * oversized), with an `Idempotency-Key` now and then.
 */
export function requestsFor(endpoint: FuzzEndpoint, world: World): fc.Arbitrary<FuzzRequest> {
  const validParam = (param: string) => idIn(world, tableOf(endpoint, param)).map(String);
  const params = (bad: boolean) => fc.tuple(...endpoint.params.map((param) => (bad ? fc.oneof(validParam(param), badSegment) : validParam(param))));
  const hasParams = endpoint.params.length > 0;
  const query = queryString(endpoint);
  const noQuery = fc.constant<string | undefined>(undefined);

  const shapes: Array<fc.WeightedArbitrary<{ kind: string; params: string[]; query: string | undefined; body: BodyCase | undefined }>> = [];
  const shape = (weight: number, kind: string, paramsArb: fc.Arbitrary<string[]>, queryArb: fc.Arbitrary<string | undefined>, bodyArb: fc.Arbitrary<BodyCase | undefined>) =>
    shapes.push({ weight, arbitrary: fc.record({ params: paramsArb, query: queryArb, body: bodyArb }).map((value) => ({ ...value, kind: value.body && kind === 'body' ? value.body.kind : kind })) });

  if (endpoint.method === 'GET') {
    shape(3, 'valid', params(false), noQuery, fc.constant(undefined));
    if (hasParams) shape(4, 'bad path', params(true), fc.option(query, { nil: undefined }), fc.constant(undefined));
    shape(endpoint.query ? 6 : 2, 'bad query', params(false), query, fc.constant(undefined));
  } else {
    const body = bodyCase(endpoint, world);
    shape(20, 'body', params(false), noQuery, body);
    if (hasParams) shape(3, 'bad path', params(true), noQuery, validBody(endpoint, world).map((value) => ({ kind: 'valid', text: JSON.stringify(value), contentType: 'application/json' })));
    shape(1, 'query on a POST', params(false), query, body);
  }

  return fc.tuple(fc.oneof(...shapes), endpoint.method === 'POST' ? idempotencyKey : fc.constant(undefined)).map(([{ kind, params: values, query: search, body }, key]) => {
    let index = 0;
    const path = endpoint.path.replace(/:([A-Za-z_]+)/g, () => values[index++] ?? '');
    const headers: Record<string, string> = {};
    if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
    if (key !== undefined) headers['idempotency-key'] = key;
    return {
      method: endpoint.method,
      path: search === undefined ? path : `${path}?${search}`,
      headers,
      ...(body?.text === undefined ? {} : { body: body.text }),
      carried: { query: search === undefined ? [] : queryKeysOf(search), body: topLevelFields(body?.text), headers: Object.keys(headers) },
      kind,
    };
  });
}
