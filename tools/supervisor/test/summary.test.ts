import { describe, expect, test } from 'vitest';
import { READY_LINE, summaryLines, summaryRecord, type SummaryRow } from '../src/summary.js';

const rows: SummaryRow[] = [
  { name: 'user-service', instanceId: 'user-service-1', port: 5001, pid: 101, database: '/srv/microshop/database/users.db' },
  { name: 'order-service', instanceId: 'order-service-1', port: 5003, pid: 103, database: '/srv/microshop/database/orders.db' },
  { name: 'gateway', instanceId: 'gateway-1', port: 5000, pid: 100, database: null },
];
const scaled: SummaryRow[] = [
  { name: 'registry', instanceId: 'registry-1', port: 5010, pid: 99, database: null },
  ...rows.slice(0, 2),
  { name: 'order-service', instanceId: 'order-service-2', port: 41234, pid: 104, database: '/srv/microshop/database/orders.db' },
  ...rows.slice(2),
];

describe('Start-up summary', () => {
  test('When the system is up, then the summary has the ready line, the web UI and docs URLs, a row per process, and how to stop', () => {
    const lines = summaryLines(rows, { colour: false });
    expect(lines).toContain(READY_LINE);
    const text = lines.join('\n');
    expect(text).toContain('http://localhost:5000/docs');
    expect(lines).toContain('  Web UI and API   http://localhost:5000');
    expect(lines).toContain('  user-service-1    http://localhost:5001   101   /srv/microshop/database/users.db');
    expect(lines).toContain('  gateway-1         http://localhost:5000   100   -');
    expect(text).toContain('Ctrl-C stops everything.');
  });

  test('When the gateway is not among the processes, then no web UI is promised', () => {
    const text = summaryLines(rows.slice(0, 1), { colour: false }).join('\n');
    expect(text).not.toContain('Web UI');
    expect(text).not.toContain('/docs');
    expect(text).toContain('http://localhost:5001');
  });

  test('When the format is json, then the summary is one record with every process', () => {
    expect(summaryRecord(rows)).toEqual({
      msg: READY_LINE,
      web_ui: 'http://localhost:5000',
      api_docs: 'http://localhost:5000/docs',
      processes: [
        { name: 'user-service', instance_id: 'user-service-1', url: 'http://localhost:5001', pid: 101, database: '/srv/microshop/database/users.db' },
        { name: 'order-service', instance_id: 'order-service-1', url: 'http://localhost:5003', pid: 103, database: '/srv/microshop/database/orders.db' },
        { name: 'gateway', instance_id: 'gateway-1', url: 'http://localhost:5000', pid: 100, database: null },
      ],
      stop: 'Ctrl-C stops everything.',
    });
  });
  test('When an admin token hint is given and the gateway runs, then the summary says how to get the token, in both formats', () => {
    const text = summaryLines(rows, { colour: false, adminToken: 'cat .microshop/admin-token' }).join('\n');
    expect(text).toMatch(/Admin token\s+cat \.microshop\/admin-token/);
    expect(summaryRecord(rows, { adminToken: 'cat .microshop/admin-token' }).admin_token).toBe('cat .microshop/admin-token');
    expect(summaryLines(rows, { colour: false }).join('\n')).not.toContain('Admin token');
  });

  test('When the registry runs and --replicas was given, then the summary shows the registry URL, the replicas asked for, and every instance with its own port and pid', () => {
    const lines = summaryLines(scaled, { colour: false, replicas: { 'order-service': 2 } });
    expect(lines).toContain('  Registry         http://localhost:5010');
    expect(lines).toContain('  Replicas         order-service=2');
    expect(lines).toContain('  order-service-1   http://localhost:5003    103   /srv/microshop/database/orders.db');
    expect(lines).toContain('  order-service-2   http://localhost:41234   104   /srv/microshop/database/orders.db');
    expect(summaryLines(scaled, { colour: false }).join('\n')).not.toContain('Replicas');
    const record = summaryRecord(scaled, { replicas: { 'order-service': 2 } });
    expect(record).toMatchObject({ registry: 'http://localhost:5010', replicas: { 'order-service': 2 } });
    expect(record.processes).toContainEqual({ name: 'order-service', instance_id: 'order-service-2', url: 'http://localhost:41234', pid: 104, database: '/srv/microshop/database/orders.db' });
  });
});
