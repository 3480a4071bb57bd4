import { describe, expect, test } from 'vitest';
import { parseExposition, sampleSum } from '../src/metrics/exposition.js';

describe('Reading the Prometheus text format', () => {
  test('When a text has comments, labels, escapes, special values and timestamps, then every sample is read as written', () => {
    const text = [
      '# HELP requests_total Requests',
      '# TYPE requests_total counter',
      'requests_total{route="/api/orders/:id",status_code="200"} 3',
      'requests_total{route="/a,b{c}",note="say \\"hi\\"\\\\ \\nbye"} 1 1700000000000',
      '',
      'lag_seconds NaN',
      'upper_bound{le="+Inf"} +Inf',
      'lower -Inf',
      'big 1.5e+3',
    ].join('\n');
    expect(parseExposition(text)).toEqual([
      { name: 'requests_total', labels: { route: '/api/orders/:id', status_code: '200' }, value: 3 },
      { name: 'requests_total', labels: { route: '/a,b{c}', note: 'say "hi"\\ \nbye' }, value: 1 },
      { name: 'lag_seconds', labels: {}, value: Number.NaN },
      { name: 'upper_bound', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
      { name: 'lower', labels: {}, value: Number.NEGATIVE_INFINITY },
      { name: 'big', labels: {}, value: 1500 },
    ]);
  });

  test('When a line cannot be read, then the error quotes it', () => {
    expect(() => parseExposition('good 1\nbad{x=1} 2\n')).toThrow('Cannot read the metrics line "bad{x=1} 2"');
    expect(() => parseExposition('novalue{a="1"}\n')).toThrow('not a sample value');
  });

  test('When samples are summed, then only those with every given label count', () => {
    const samples = parseExposition('r{a="1",b="x"} 2\nr{a="1",b="y"} 3\nr{a="2",b="x"} 5\nother{a="1"} 7\n');
    expect(sampleSum(samples, 'r', { a: '1' })).toBe(5);
    expect(sampleSum(samples, 'r', { b: 'x' })).toBe(7);
    expect(sampleSum(samples, 'r')).toBe(10);
    expect(sampleSum(samples, 'missing')).toBe(0);
  });
});
