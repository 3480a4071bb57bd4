import { metricsText, parseExposition, type ServiceClient } from '@microshop/chassis';
import type { Health } from '@microshop/contracts';
import type { Reading, Target } from './history.js';
import { readSnapshot, type MetricSnapshot } from './snapshot.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function snapshotOf(text: string): MetricSnapshot {
  return readSnapshot(parseExposition(text));
}

/**
 * Scrapes one service: its `/health` (status, pid, uptime) and its `/metrics`, at once, through the
 * gateway's probe client (monitoring calls: they do not count as traffic). Never throws: a service
 * that cannot be reached is a `down` reading with the reason.
 */
export async function readService(target: Target, probe: ServiceClient): Promise<Reading> {
  const [health, metrics] = await Promise.allSettled([
    probe.call<Partial<Health> | undefined>({ path: '/health', passServerErrors: true }),
    probe.call<string>({ path: '/metrics', responseType: 'text', headers: { accept: 'text/plain' } }),
  ]);
  const reading: Reading = { target, status: 'down' };
  if (health.status === 'fulfilled') {
    const { status, body } = health.value;
    if (typeof body?.pid === 'number') reading.pid = body.pid;
    if (status === 200 && body?.status === 'ok') {
      reading.status = 'ok';
      if (typeof body.uptime_s === 'number') reading.uptimeS = body.uptime_s;
    } else {
      reading.detail = `${target.service} answered ${status} to its health check`;
    }
  } else {
    reading.detail = messageOf(health.reason);
  }

  let metricsProblem: string | undefined;
  if (metrics.status === 'rejected') metricsProblem = messageOf(metrics.reason);
  else if (metrics.value.status !== 200) metricsProblem = `${target.service} answered ${metrics.value.status} to GET /metrics`;
  else {
    try {
      reading.snapshot = snapshotOf(metrics.value.body);
    } catch (error) {
      metricsProblem = messageOf(error);
    }
  }
  if (metricsProblem && reading.status === 'ok') reading.detail = `no figures: ${metricsProblem}`;
  return reading;
}

/** The gateway's own reading: it is up (it is answering), and its metrics come from its own registry. */
export async function readSelf(target: Target, uptimeS: number): Promise<Reading> {
  return { target, status: 'ok', pid: process.pid, uptimeS, snapshot: snapshotOf(await metricsText()) };
}
