#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startControlApi } from './control-api.js';
import { startFaultProxy } from './fault-proxy.js';

const USAGE = `Usage: node tools/fault-proxy/dist/main.js --upstream HOST:PORT [--listen PORT] [--api PORT]

A TCP fault proxy on 127.0.0.1 with Toxiproxy's fault types. Point a client at --listen instead of
the upstream, then add toxics through the API on --api (default 8474):
  curl -X POST localhost:8474/toxics -d '{"type":"latency","latency":300,"jitter":100}'
  curl -X DELETE localhost:8474/toxics/latency_downstream
`;

const { values } = parseArgs({ options: { upstream: { type: 'string' }, listen: { type: 'string', default: '0' }, api: { type: 'string', default: '8474' }, help: { type: 'boolean' } } });
if (values.help || !values.upstream) {
  process.stdout.write(USAGE);
  process.exit(values.help ? 0 : 2);
}
const proxy = await startFaultProxy({ upstream: values.upstream, port: Number(values.listen) });
const api = await startControlApi(proxy, { port: Number(values.api) });
process.stdout.write(`fault proxy: 127.0.0.1:${proxy.port} -> ${proxy.upstream}; toxics API on http://127.0.0.1:${api.port}\n`);
const stop = async () => {
  await api.close();
  await proxy.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
