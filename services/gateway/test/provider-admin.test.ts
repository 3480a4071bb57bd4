import { ADMIN_TOKEN_HEADER, type ProviderBehaviour, type Problem } from '@microshop/contracts';
import { request, type FakeService } from '@microshop/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../src/domain/merge-openapi.js';
import { callerAt, keys, startGateway, type GatewayHarness } from './gateway-harness.js';

const ADMIN = 'provider-admin-test-admin-token';
const admin = { [ADMIN_TOKEN_HEADER]: ADMIN };
const CALM: ProviderBehaviour = { decline_rate: 0, failure_rate: 0, latency_ms: 0 };
const ROUGH: ProviderBehaviour = { decline_rate: 0.25, failure_rate: 0.1, latency_ms: 800 };

let gateway: GatewayHarness | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** The gateway with a fake payment provider that answers its behaviour as the real one does: the current one, or the one just set. */
async function withProvider(): Promise<{ gw: GatewayHarness; provider: FakeService }> {
  const gw = await startGateway({ adminToken: ADMIN, provider: true });
  let behaviour = CALM;
  gw.provider.on('GET', '/v1/behaviour', () => ({ body: behaviour }));
  gw.provider.on('PUT', '/v1/behaviour', (call) => {
    behaviour = call.body as ProviderBehaviour;
    return { body: behaviour };
  });
  gateway = gw;
  return { gw, provider: gw.provider };
}

describe('Gateway admin API: the payment provider’s behaviour', () => {
  it('When the behaviour is read, then the provider is asked with the gateway’s service token and its answer comes back', async () => {
    const { gw, provider } = await withProvider();
    const answer = await request<ProviderBehaviour>(gw.url, 'GET', '/api/admin/provider', undefined, admin);
    expect(answer).toMatchObject({ status: 200, body: CALM });
    expect(gw.allCalls()).toEqual(['GET /v1/behaviour']);
    expect(callerAt('payment-provider', provider.calls[0])).toBe('gateway');
    expect(provider.calls[0]?.headers[ADMIN_TOKEN_HEADER]).toBeUndefined();
  });

  it('When the behaviour is set, then the body is passed on as it is with the gateway’s service token, and the provider’s new behaviour comes back', async () => {
    const { gw, provider } = await withProvider();
    const answer = await request<ProviderBehaviour>(gw.url, 'PUT', '/api/admin/provider', ROUGH, admin);
    expect(answer).toMatchObject({ status: 200, body: ROUGH });
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0]).toMatchObject({ method: 'PUT', path: '/v1/behaviour', body: ROUGH });
    expect(callerAt('payment-provider', provider.calls[0])).toBe('gateway');
    expect((await request<ProviderBehaviour>(gw.url, 'GET', '/api/admin/provider', undefined, admin)).body).toEqual(ROUGH);
  });

  it.each([
    ['GET', 'no credential', 401, {}],
    ['GET', 'a wrong credential', 403, { [ADMIN_TOKEN_HEADER]: 'provider-admin-test-admin-tokeX' }],
    ['PUT', 'no credential', 401, {}],
    ['PUT', 'a wrong credential', 403, { [ADMIN_TOKEN_HEADER]: 'provider-admin-test-admin-tokeX' }],
    ['PUT', 'a service token instead', 401, keys.headers('payment-service', 'gateway')],
  ])('When %s /api/admin/provider comes with %s, then %i naming the header and the provider hears nothing', async (method, _name, status, headers) => {
    const { gw } = await withProvider();
    const answer = await request<Problem>(gw.url, method, '/api/admin/provider', method === 'PUT' ? ROUGH : undefined, headers);
    expect(answer).toMatchObject({ status, body: { status, field: ADMIN_TOKEN_HEADER } });
    expect(gw.allCalls()).toEqual([]);
  });

  it.each([
    ['a decline rate above 1', { ...ROUGH, decline_rate: 2 }, 'decline_rate'],
    ['a negative failure rate', { ...ROUGH, failure_rate: -0.1 }, 'failure_rate'],
    ['a latency above 30 s', { ...ROUGH, latency_ms: 30_001 }, 'latency_ms'],
    ['a fractional latency', { ...ROUGH, latency_ms: 1.5 }, 'latency_ms'],
    ['no failure rate', { decline_rate: 0.5, latency_ms: 0 }, 'failure_rate'],
    ['an unknown field', { ...ROUGH, outage: true }, 'outage'],
  ])('When the behaviour set has %s, then 400 naming the field and the provider hears nothing', async (_name, body, field) => {
    const { gw } = await withProvider();
    const answer = await request<Problem>(gw.url, 'PUT', '/api/admin/provider', body, admin);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.field).toBe(field);
    expect(gw.allCalls()).toEqual([]);
  });

  it('When the provider refuses the gateway’s service token, then 502 naming the provider and the keys to check, not the caller’s 401', async () => {
    const { gw, provider } = await withProvider();
    provider.on('PUT', '/v1/behaviour', () => ({ status: 401, body: { type: '/problems/unauthenticated', title: 'Service token refused', status: 401 } }));
    const answer = await request<Problem>(gw.url, 'PUT', '/api/admin/provider', ROUGH, admin);
    expect(answer).toMatchObject({ status: 502, body: { status: 502, service: 'payment-provider' } });
    expect(answer.body.detail).toContain('service token');
    expect(answer.body.detail).toContain('SERVICE_KEYS_FILE');
  });

  it('When the provider is down, then 503 naming it', async () => {
    const { gw, provider } = await withProvider();
    provider.goDown();
    const answer = await request<Problem>(gw.url, 'GET', '/api/admin/provider', undefined, admin);
    expect(answer).toMatchObject({ status: 503, body: { status: 503, service: 'payment-provider' } });
  });
});

describe('Gateway admin API: the provider routes exist only when the gateway knows a provider', () => {
  const providerOperations = (doc: OpenApiDocument) =>
    Object.entries(doc.paths['/api/admin/provider'] ?? {}).map(([method, operation]) => `${method} ${(operation as { tags?: string[] }).tags?.join(',')}`);

  it('When the gateway has no provider, then /api/admin/provider is a 404 for the admin too, and the document leaves it out', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    expect((await request(gateway.url, 'GET', '/api/admin/provider', undefined, admin)).status).toBe(404);
    expect((await request(gateway.url, 'PUT', '/api/admin/provider', ROUGH, admin)).status).toBe(404);
    const { body } = await request<OpenApiDocument>(gateway.url, 'GET', '/openapi.json');
    expect(providerOperations(body)).toEqual([]);
  });

  it('When the gateway has a provider, then the document holds its two admin operations, tagged as the gateway’s own', async () => {
    const { gw } = await withProvider();
    const { body } = await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json');
    expect(providerOperations(body)).toEqual(['get gateway', 'put gateway']);
  });
});
