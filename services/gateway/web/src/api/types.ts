/**
 * The wire types the UI reads and sends, straight from the system's contracts (type-only: nothing
 * of the contracts package ends up in the bundle).
 */
export type {
  CreateProduct,
  CreateUser,
  GatewayHealth,
  Order,
  OrderDetails,
  OrderWithParties,
  Overview,
  OverviewEdge,
  OverviewInstance,
  OverviewService,
  Payment,
  PlaceOrder,
  Product,
  ServiceHealth,
  ServiceSeries,
  SpanNode,
  Trace,
  TraceSummary,
  StartTraffic,
  TrafficCounts,
  TrafficRun,
  User,
} from '@microshop/contracts';
