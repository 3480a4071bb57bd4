export { buildApp, type GatewayAppOptions } from './app.js';
export { loadConfig, serviceTargets, SERVICE_URL_VARIABLES, type GatewayConfig } from './config.js';
export { COMPOSED_VIEWS, openApiPath, PUBLIC_ROUTES, type ComposedView, type PublicRoute } from './public-routes.js';
export { GatewayHealth, ServiceHealth } from './schemas.js';
export { mergeOpenApi, type OpenApiDocument } from './domain/merge-openapi.js';
export { openGateway, type Gateway } from './module.js';
