import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's `prometheus` package puts Prometheus' command-line tool. */
export const PROMTOOL = '/usr/bin/promtool';

/** What promtool said: exit code 0 means the check passed. */
export interface PromtoolResult {
  code: number | null;
  output: string;
}

/**
 * Runs promtool with `args`, `input` on its standard input, and collects what it prints. Throws,
 * rather than passing, when promtool is not installed.
 *
 * @example
 * await runPromtool(['check', 'config', 'deploy/prometheus/prometheus.yml'])
 */
export async function runPromtool(args: readonly string[], input = '', promtool = PROMTOOL): Promise<PromtoolResult> {
  if (!existsSync(promtool)) {
    throw new Error(`${promtool} is missing: install Debian's prometheus package (apt-get install -y --no-install-recommends prometheus), as .ci/run does`);
  }
  const child = spawn(promtool, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return { code: await exited, output: output.trim() };
}

/**
 * Lints a Prometheus text exposition with `promtool check metrics` (names, types, help, suffixes).
 *
 * @example
 * expect(await promtoolCheckMetrics(await metricsText(url))).toEqual({ code: 0, output: '' })
 */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  return runPromtool(['check', 'metrics'], text);
}
