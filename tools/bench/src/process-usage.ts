import { readFileSync } from 'node:fs';

/** CPU time (user + system) and resident memory of one process, read from /proc. */
export interface ProcessSample {
  cpuSeconds: number;
  rssBytes: number;
}

const TICKS_PER_SECOND = 100;

/** Reads a process's CPU time and RSS from /proc (Linux). */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssLine = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((line) => line.startsWith('VmRSS:'));
  const rssKb = Number(rssLine?.replace(/\D+/g, '') ?? 0);
  return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
}

/** The service an instance id belongs to: `order-service-2` → `order-service`. */
export function serviceOfInstance(instanceId: string): string {
  return instanceId.replace(/-\d+$/, '');
}

/** CPU seconds of each service (its instances summed), from samples keyed by instance id. */
export function cpuByService(samples: Readonly<Record<string, ProcessSample>>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [instance, sample] of Object.entries(samples)) {
    const service = serviceOfInstance(instance);
    totals[service] = (totals[service] ?? 0) + sample.cpuSeconds;
  }
  return totals;
}

/** Samples each process, keyed as given (instance id → pid). */
export function sampleEach(pids: Readonly<Record<string, number>>): Record<string, ProcessSample> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, sampleProcess(pid)]));
}

/** Sums the samples of several processes. */
export function sampleAll(pids: readonly number[]): ProcessSample {
  return pids.map(sampleProcess).reduce((a, b) => ({ cpuSeconds: a.cpuSeconds + b.cpuSeconds, rssBytes: a.rssBytes + b.rssBytes }), { cpuSeconds: 0, rssBytes: 0 });
}
