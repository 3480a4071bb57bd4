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

/** Sums the samples of several processes. */
export function sampleAll(pids: readonly number[]): ProcessSample {
  return pids.map(sampleProcess).reduce((a, b) => ({ cpuSeconds: a.cpuSeconds + b.cpuSeconds, rssBytes: a.rssBytes + b.rssBytes }), { cpuSeconds: 0, rssBytes: 0 });
}
