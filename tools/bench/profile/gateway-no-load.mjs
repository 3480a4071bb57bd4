// What the gateway adds to a request at no load: GET a product one request at a time, straight
// from the Product service and through the gateway, interleaved, and compare the medians.
//
//   RATE_LIMIT_RPS=0 OTEL_SDK_DISABLED=true npm start      # any configuration, in another terminal
//   node tools/bench/profile/gateway-no-load.mjs [--requests 2000] [--warmup 300]
//
// It makes a product through the gateway first when there is none. One keep-alive connection each
// way; each pair of requests (direct, then through the gateway) runs back to back, so the machine's
// drift touches both sides alike. The suite measures goal 2b the same way.
import console from 'node:console';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    gateway: { type: 'string', default: 'http://127.0.0.1:5000' },
    product: { type: 'string', default: 'http://127.0.0.1:5002' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(warmup) || warmup < 0) {
  console.error('usage: node tools/bench/profile/gateway-no-load.mjs [--requests N ≥ 1] [--warmup N ≥ 0]');
  process.exit(2);
}

const direct = new Pool(values.product, { connections: 1 });
const gateway = new Pool(values.gateway, { connections: 1 });

/** One GET, its body read; milliseconds from sending to the last byte. */
async function timed(pool, path) {
  const start = process.hrtime.bigint();
  const response = await pool.request({ method: 'GET', path });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const listed = await gateway.request({ method: 'GET', path: '/api/products?limit=1' });
const [first] = /** @type {{ id: number }[]} */ (await listed.body.json());
const id =
  first?.id ??
  /** @type {{ id: number }} */ (
    await (
      await gateway.request({
        method: 'POST',
        path: '/api/products',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'No-load probe', price: 1, stock: 1 }),
      })
    ).body.json()
  ).id;
const path = `/api/products/${id}`;

for (let i = 0; i < warmup; i++) {
  await timed(direct, path);
  await timed(gateway, path);
}
const straight = [];
const through = [];
for (let i = 0; i < requests; i++) {
  straight.push(await timed(direct, path));
  through.push(await timed(gateway, path));
}
const d = median(straight);
const g = median(through);
console.log(`GET ${path}, ${requests} each way, one at a time: p50 ${d.toFixed(3)} ms directly, ${g.toFixed(3)} ms through the gateway, +${(g - d).toFixed(3)} ms`);
await Promise.all([direct.close(), gateway.close()]);
