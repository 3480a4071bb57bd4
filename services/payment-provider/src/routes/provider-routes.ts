import { problemResponses, requireService, type App, type ServiceIdentity } from '@microshop/chassis';
import { Charge, CreateCharge, CreateRefund, IdList, ProviderBehaviour, ProviderLedger, SERVICE_TOKEN_HEADER } from '@microshop/contracts';
import { Type } from 'typebox';
import { createCharge } from '../domain/create-charge.js';
import { createRefund } from '../domain/create-refund.js';
import type { ProviderDeps } from '../domain/deps.js';
import { getCharge } from '../domain/get-charge.js';
import { LEDGER_LIMIT, readLedger } from '../domain/read-ledger.js';

const ChargeParams = Type.Object({ reference: CreateCharge.properties.reference }, { additionalProperties: false });
const LedgerQuery = Type.Object({ order_id: Type.Optional(IdList) }, { additionalProperties: false });

const authResponses = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;

/**
 * The provider's API (`/v1`). Every route needs a service token, checked before anything else,
 * validation included: it stands for the shop's secret key at the provider, without which nothing
 * about a request matters. Charges and refunds take the Payment service's token only; the ledger
 * and the behaviour settings, the gateway's (the consistency check, the admin API).
 */
export function registerProviderRoutes(app: App, deps: ProviderDeps, identity: ServiceIdentity): void {
  const shop = requireService(identity, { from: ['payment-service'] });
  const operator = requireService(identity, { from: ['gateway'] });
  const needs = `Needs the Payment service's token in ${SERVICE_TOKEN_HEADER}`;
  const operatorNeeds = `Needs the gateway's token in ${SERVICE_TOKEN_HEADER}`;

  app.post(
    '/v1/charges',
    {
      onRequest: shop,
      schema: {
        tags: ['charges'],
        summary: `Charge a card: 201 charged, 200 the same charge for a reference seen before, 402 declined (every time), 409 the reference was voided. ${needs}`,
        body: CreateCharge,
        response: { 200: Charge, 201: Charge, 402: { $ref: 'Problem#' }, ...authResponses, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { charge, created } = await createCharge(deps, request.body);
      return reply.code(created ? 201 : 200).send(charge);
    },
  );

  app.get(
    '/v1/charges/:reference',
    { onRequest: shop, schema: { tags: ['charges'], summary: `The charge of a reference. ${needs}`, params: ChargeParams, response: { 200: Charge, ...authResponses, ...problemResponses } } },
    async (request) => getCharge(deps, request.params.reference),
  );

  app.post(
    '/v1/refunds',
    {
      onRequest: shop,
      schema: {
        tags: ['charges'],
        summary: `Refund the charge of a reference, or void the reference if nothing was charged with it; 200 with the charge either way. ${needs}`,
        body: CreateRefund,
        response: { 200: Charge, ...authResponses, ...problemResponses },
      },
    },
    async (request) => createRefund(deps, request.body),
  );

  app.get(
    '/v1/ledger',
    {
      onRequest: operator,
      schema: {
        tags: ['ledger'],
        summary: `What was charged and refunded, with the charges newest first (at most ${LEDGER_LIMIT}); \`?order_id=1&order_id=2\` for some orders. ${operatorNeeds}`,
        querystring: LedgerQuery,
        response: { 200: ProviderLedger, ...authResponses, ...problemResponses },
      },
    },
    async (request) => readLedger(deps, request.query.order_id),
  );

  app.get(
    '/v1/behaviour',
    { onRequest: operator, schema: { tags: ['behaviour'], summary: `How the simulated provider behaves now. ${operatorNeeds}`, response: { 200: ProviderBehaviour, ...authResponses } } },
    async () => deps.behaviour.get(),
  );

  app.put(
    '/v1/behaviour',
    {
      onRequest: operator,
      schema: {
        tags: ['behaviour'],
        summary: `Make the simulated provider decline, fail or be slow (this process, until it restarts). ${operatorNeeds}`,
        body: ProviderBehaviour,
        response: { 200: ProviderBehaviour, ...authResponses, ...problemResponses },
      },
    },
    async (request) => {
      const previous = deps.behaviour.get();
      const behaviour = deps.behaviour.set(request.body);
      request.log.info({ previous, behaviour }, 'provider behaviour changed');
      return behaviour;
    },
  );
}
