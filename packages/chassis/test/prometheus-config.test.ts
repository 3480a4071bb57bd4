import { readFileSync } from 'node:fs';
import { SERVICES } from '@microshop/contracts';
import { runPromtool } from '@microshop/testkit';
import { describe, expect, test } from 'vitest';
import { fromRoot } from '../src/paths.js';

const STATIC = fromRoot('deploy/prometheus/prometheus.yml');
const KUBERNETES = fromRoot('deploy/prometheus/kubernetes.yml');

/** `job_name: x` followed, before the next job, by a line holding `pattern`'s capture. */
function jobs(text: string, pattern: RegExp): Record<string, string> {
  const found: Record<string, string> = {};
  for (const block of text.split(/^\s*- job_name:\s*/m).slice(1)) {
    const [name = ''] = block.split('\n');
    const value = pattern.exec(block)?.[1];
    if (value) found[name.trim()] = value;
  }
  return found;
}

describe('Prometheus configuration in deploy/prometheus', () => {
  test('When promtool checks both files, then they are valid', async () => {
    expect(await runPromtool(['check', 'config', STATIC, KUBERNETES])).toMatchObject({ code: 0 });
  });

  test('When Microshop runs under npm start, then Prometheus scrapes each process on its spec port, one job per service', () => {
    const expected = Object.fromEntries(Object.entries(SERVICES).map(([name, { port }]) => [name, `127.0.0.1:${port}`]));
    expect(jobs(readFileSync(STATIC, 'utf8'), /targets:\s*\['([^']+)'\]/)).toEqual(expected);
  });

  test('When it runs on Kubernetes, then each service is found by its DNS name, on its port', () => {
    const text = readFileSync(KUBERNETES, 'utf8');
    const names = jobs(text, /names:\s*\['([^']+)'\]/);
    const ports = jobs(text, /port:\s*(\d+)/);
    // On a cluster, discovery is Kubernetes DNS: the embedded registry is not deployed there.
    for (const [name, { port }] of Object.entries(SERVICES).filter(([name]) => name !== 'registry')) {
      expect(names[name]).toBe(`${name}.microshop.svc.cluster.local`);
      expect(ports[name]).toBe(String(port));
    }
  });
});
