/** The gateway's health documents live with the other wire contracts, so the web UI shares them. */
export { GatewayHealth, ServiceHealth } from '@microshop/contracts';
