/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

/** A sample value: a float, or `+Inf`, `-Inf`, `NaN` in any case (as Prometheus reads them). */
function parseValue(text: string): number {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Number.POSITIVE_INFINITY;
  if (word === '-inf') return Number.NEGATIVE_INFINITY;
  if (word === 'nan') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: "${text}"`);
  return value;
}

/** Reads `{a="1",b="x\"y"}` from the start of `text`; returns the labels and what follows. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name) throw new Error(`bad label name at "${text.slice(i, i + 20)}"`);
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new Error(`label ${name} has no quoted value`);
    i += 2;
    let value = '';
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error(`label ${name} has an unterminated value`);
      if (text[i] === '\\') {
        value += ESCAPES[text[i + 1] ?? ''] ?? `\\${text[i + 1] ?? ''}`;
        i += 2;
      } else {
        value += text[i];
        i++;
      }
    }
    labels[name] = value;
    i++;
  }
}

/**
 * Parses the Prometheus text format (version 0.0.4) into samples. Comments (`# HELP`, `# TYPE`) and
 * blank lines are skipped, timestamps ignored. Throws on a line it cannot read, naming it.
 *
 * @example
 * parseExposition('requests_total{route="/api/orders"} 3\n') // [{ name: 'requests_total', labels: { route: '/api/orders' }, value: 3 }]
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const name = NAME.exec(line)?.[0];
      if (!name) throw new Error('no metric name');
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest));
      const [value = ''] = rest.trim().split(/\s+/);
      samples.push({ name, labels, value: parseValue(value) });
    } catch (error) {
      throw new Error(`Cannot read the metrics line "${line}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return samples;
}

/**
 * The sum of the samples named `name` whose labels include every entry of `labels` (0 when none).
 *
 * @example
 * sampleSum(samples, 'microshop_http_server_requests_total', { route: '/api/orders', method: 'POST' })
 */
export function sampleSum(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) sum += sample.value;
  }
  return sum;
}
