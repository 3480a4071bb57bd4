import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/esm-http-call.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs the fixture in its own `node`, with the preload unless `preload` is false; its one JSON line. */
async function callThroughHttp(preload: boolean, env: Record<string, string> = {}): Promise<{ traceparent: string | null; traceId: string | null }> {
  const args = [...(preload ? ['--import', '@microshop/chassis/telemetry/register'] : []), FIXTURE];
  // Spans would go to a gateway nobody runs: the fixture exits before the first export.
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', OTEL_SERVICE_NAME: 'fixture', GATEWAY_URL: 'http://127.0.0.1:9', ...env } });
  return JSON.parse(stdout) as { traceparent: string | null; traceId: string | null };
}

describe('Telemetry preload', () => {
  test('When an ES module serves through node:http (named import) and calls through the chassis client, then the call carries the trace and the answer names it', async () => {
    const { traceparent, traceId } = await callThroughHttp(true);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The client span's traceparent: the same trace as the server span that answered it.
    expect(traceparent).toMatch(new RegExp(`^00-${traceId ?? ''}-[0-9a-f]{16}-01$`));
  });

  test('When OTEL_TRACES_SAMPLER says to keep nothing, then the trace still propagates, marked not sampled', async () => {
    const { traceparent, traceId } = await callThroughHttp(true, { OTEL_TRACES_SAMPLER: 'always_off' });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceparent).toMatch(new RegExp(`^00-${traceId ?? ''}-[0-9a-f]{16}-00$`));
  });

  test('When tracing is off or the preload is not loaded, then nothing is traced', async () => {
    expect(await callThroughHttp(true, { OTEL_SDK_DISABLED: 'true' })).toEqual({ traceparent: null, traceId: null });
    expect(await callThroughHttp(false)).toEqual({ traceparent: null, traceId: null });
  });
});
