import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConsistencyReport } from '@microshop/contracts';

/**
 * `npm run check:consistency [-- --url http://localhost:5000] [-- --json]`: asks the gateway's
 * `GET /api/consistency` and prints the money report, for scripts and CI as much as for people.
 * Exit codes: 0 consistent, 1 violations, 2 the gateway (or a service behind it) could not be read.
 */

/** What the process exits with, so that a script can tell "money wrong" from "could not look". */
export const EXIT = { ok: 0, violations: 1, unreachable: 2 } as const;

/** The report as a few lines: the counts, then each violation on its own line, then payments in flight. */
export function formatReport(report: ConsistencyReport): string {
  const lines = [
    `${report.ok ? 'Money consistent' : `${report.violations.length} violation${report.violations.length === 1 ? '' : 's'}`}: ${report.orders_checked} orders, ${report.payments_checked} payments, ${report.charges_checked} provider charges, ${report.products_checked} stocked products checked at ${report.checked_at}`,
    ...report.violations.map((v) => `  ✗ ${v.rule}  order ${v.order_id ?? '-'}  payment ${v.payment_id ?? '-'}  ${v.detail}`),
  ];
  if (report.in_flight.length > 0) {
    lines.push(`  ${report.in_flight.length} payment(s) in flight: ${report.in_flight.map((p) => `${p.payment_id} (order ${p.order_id}, ${p.age_s} s)`).join(', ')}`);
  }
  if (report.converging.length > 0) lines.push(`  ${report.converging.length} stock mismatch(es) settling, ${report.events_pending} event(s) still on their way: ${report.converging.map((c) => `order ${c.order_id}`).join(', ')}`);
  if (report.unavailable.length > 0) lines.push(`  not checked (did not answer): ${report.unavailable.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string', default: 'http://localhost:5000' }, json: { type: 'boolean', default: false } } });
  const url = `${values.url.replace(/\/+$/, '')}/api/consistency`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    process.stderr.write(`Cannot reach the gateway at ${url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}\n`);
    return EXIT.unreachable;
  }
  const text = await response.text();
  if (response.status !== 200) {
    let detail = text.slice(0, 300);
    try {
      const problem = JSON.parse(text) as { detail?: string; service?: string };
      detail = `${problem.detail ?? detail}${problem.service ? ` (service: ${problem.service})` : ''}`;
    } catch {
      // Not a problem body: show the start of the text.
    }
    process.stderr.write(`The gateway answered ${response.status} to GET ${url}: ${detail}\n`);
    return EXIT.unreachable;
  }
  const report = JSON.parse(text) as ConsistencyReport;
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? EXIT.ok : EXIT.violations;
}

// Run only as the entry point: tests import formatReport without side effects.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT.unreachable);
    },
  );
}
