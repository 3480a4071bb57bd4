import { Type, type Static, type TSchema } from 'typebox';
import { Id } from './common.js';
import { Money } from './products.js';

/**
 * The events services publish through their outbox, versioned: a consumer reads `type` and
 * `version` and validates `data` against that version's schema. A breaking change is a new version
 * published next to the old one until every consumer has moved.
 */
export const EventEnvelope = Type.Object({
  id: Type.String({ description: 'Unique per event (the outbox row id): consumers apply each id once' }),
  type: Type.String({ description: 'e.g. OrderCreated' }),
  version: Type.Integer({ minimum: 1 }),
  source: Type.String({ description: 'The service that published it' }),
  subject: Type.String({ description: 'What it is about, e.g. order/12: events of one subject are published in order' }),
  occurred_at: Type.String({ format: 'date-time' }),
  data: Type.Unknown(),
});
export type EventEnvelope = Static<typeof EventEnvelope>;

/** Every event type and the schema of its data, per version. */
export const EVENT_SCHEMAS = {
  OrderCreated: { 1: Type.Object({ order_id: Id, user_id: Id, product_id: Id, quantity: Type.Integer({ minimum: 1 }), total: Money }) },
  OrderPaid: { 1: Type.Object({ order_id: Id, total: Money }) },
  OrderCancelled: { 1: Type.Object({ order_id: Id, reason: Type.String({ description: 'One of the CancelReason values' }) }) },
  PaymentCompleted: { 1: Type.Object({ payment_id: Id, order_id: Id, amount: Money }) },
  PaymentFailed: { 1: Type.Object({ payment_id: Id, order_id: Id, reason: Type.String() }) },
  PaymentRefunded: { 1: Type.Object({ payment_id: Id, order_id: Id, amount: Money }) },
  StockReserved: { 1: Type.Object({ order_id: Id, product_id: Id, quantity: Type.Integer({ minimum: 1 }) }) },
  StockReleased: { 1: Type.Object({ order_id: Id, product_id: Id, quantity: Type.Integer({ minimum: 1 }) }) },
  /** Not enough stock for the order: the Order service cancels it (reason `out_of_stock`). */
  StockRejected: { 1: Type.Object({ order_id: Id, product_id: Id, quantity: Type.Integer({ minimum: 1 }), available: Type.Integer({ minimum: 0 }) }) },
} as const satisfies Record<string, Record<number, TSchema>>;

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];
/** The data of the first version of an event type. */
export type EventData<T extends EventType> = Static<(typeof EVENT_SCHEMAS)[T][1]>;

/**
 * Who consumes which events: the one place that declares it (the HTTP transport delivers each event
 * to these services; on NATS each consumes these subjects with a durable consumer of its own).
 * - Product reserves stock for a new order, releases it when the order is cancelled and makes it
 *   final when the order is paid (stock is choreographed: nobody tells Product what to do).
 * - Order learns whether its stock was reserved, and cancels the order when it was not.
 * - Payment learns that an order was cancelled, so a payment still trying to charge stops.
 */
export const EVENT_SUBSCRIPTIONS: Readonly<Record<string, readonly EventType[]>> = {
  'product-service': ['OrderCreated', 'OrderCancelled', 'OrderPaid'],
  'order-service': ['StockReserved', 'StockRejected'],
  'payment-service': ['OrderCancelled'],
};

/** The services that consume `type`, from {@link EVENT_SUBSCRIPTIONS}. */
export function subscribersOf(type: EventType): string[] {
  return Object.entries(EVENT_SUBSCRIPTIONS)
    .filter(([, types]) => types.includes(type))
    .map(([service]) => service);
}

/** The state of a service's outbox: `GET /internal/events/outbox`. */
export const OutboxState = Type.Object({
  pending: Type.Integer({ minimum: 0, description: 'Events recorded and not published yet' }),
  dead: Type.Integer({ minimum: 0, description: 'Events given up on after the last attempt: retried by hand' }),
  oldest_pending_ms: Type.Number({ minimum: 0, description: 'Age of the oldest pending event: the lag' }),
  dead_letters: Type.Array(
    Type.Object({ event_id: Type.String(), type: Type.String(), subject: Type.String(), attempts: Type.Integer(), last_error: Type.Union([Type.String(), Type.Null()]), created_at: Type.String({ format: 'date-time' }) }),
  ),
  recent: Type.Array(
    Type.Object({ event_id: Type.String(), type: Type.String(), subject: Type.String(), state: Type.String(), attempts: Type.Integer(), created_at: Type.String({ format: 'date-time' }), published_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }),
    { description: 'The latest events recorded, newest first (at most 20)' },
  ),
  inbox: Type.Object(
    {
      applied: Type.Integer({ minimum: 0, description: 'Events this service has applied (each once)' }),
      duplicates: Type.Integer({ minimum: 0, description: 'Deliveries of an event already applied, dropped since this process started' }),
      recent: Type.Array(Type.Object({ event_id: Type.String(), type: Type.String(), applied_at: Type.String({ format: 'date-time' }) }), { description: 'The latest events applied, newest first (at most 20)' }),
    },
    { description: 'What this service consumed' },
  ),
});
export type OutboxState = Static<typeof OutboxState>;

/** The services that keep an outbox, whose events the gateway's admin API shows. */
export const OUTBOX_SERVICES = ['product-service', 'order-service', 'payment-service'] as const;
export type OutboxService = (typeof OUTBOX_SERVICES)[number];
const OutboxServiceName = Type.Union([Type.Literal('product-service'), Type.Literal('order-service'), Type.Literal('payment-service')]);

/** `GET /api/admin/events`: every outbox, or null with the reason when its service does not answer. */
export const AdminEvents = Type.Object({
  services: Type.Array(
    Type.Object({
      service: OutboxServiceName,
      outbox: Type.Union([OutboxState, Type.Null()]),
      detail: Type.Optional(Type.String({ description: 'Why the outbox is unknown' })),
    }),
  ),
});
export type AdminEvents = Static<typeof AdminEvents>;

/** `POST /api/admin/events/:service/:event_id/retry`: the dead letter to send again. */
export const RetryEventParams = Type.Object({
  service: OutboxServiceName,
  event_id: Type.String({ minLength: 1, maxLength: 64 }),
});
export type RetryEventParams = Static<typeof RetryEventParams>;

/** A dead letter put back in line: `POST /internal/events/outbox/:event_id/retry`. */
export const RetriedEvent = Type.Object({ retried: Type.String() });
export type RetriedEvent = Static<typeof RetriedEvent>;
