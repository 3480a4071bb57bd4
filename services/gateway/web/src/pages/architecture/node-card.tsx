import type { Ref } from 'react';
import { StatusBadge } from '../../components/status';
import { formatMs, formatRate, formatShare, formatUptime } from '../../format';
import type { NodeView } from './model';

function Figure({ label, value, warn = false }: { label: string; value: string; warn?: boolean }) {
  return (
    <div className={`figure ${warn ? 'is-warn' : ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/**
 * One process of the diagram: its health, its instances (port, pid, uptime), its live figures and,
 * for a service, its database. Red when it does not answer, or when it was just replaced.
 */
export function NodeCard({ node, ref }: { node: NodeView; ref?: Ref<HTMLElement> }) {
  const red = node.health === 'down' || node.health === 'restarted';
  const errorWarn = (node.errorRate ?? 0) > 0.01;
  return (
    <article
      ref={ref}
      className={`node ${node.tone} health-${node.health} ${red ? 'is-red' : ''} ${node.database ? '' : 'node-gateway'}`}
      data-service={node.name}
      data-health={node.health}
      aria-label={`${node.label}${node.name === 'gateway' ? '' : ' service'}: ${node.health}`}
    >
      <header className="node-head">
        <div className="node-title">
          <span className="service-swatch" aria-hidden="true" />
          <h3>{node.name === 'gateway' ? 'API Gateway' : `${node.label} service`}</h3>
        </div>
        <StatusBadge status={node.health} />
      </header>
      <p className="node-owns">{node.owns}</p>
      {node.detail ? (
        <p className="node-detail" title={node.detail}>
          {node.detail}
        </p>
      ) : null}
      <dl className="figures">
        <Figure label="req/s" value={formatRate(node.requestsPerS)} />
        <Figure label="errors" value={formatShare(node.errorRate)} warn={errorWarn} />
        <Figure label="p99" value={formatMs(node.p99Ms)} />
      </dl>
      <ul className="instances" aria-label={`${node.label} instances`}>
        {node.instances.map((instance, i) => (
          <li key={`${instance.port ?? 'x'}-${i}`} className={`instance health-${instance.status}`}>
            <span className="status-dot" aria-hidden="true" />
            <span className="instance-port">:{instance.port ?? '—'}</span>
            <span>pid {instance.pid ?? '—'}</span>
            <span>up {formatUptime(instance.uptimeS)}</span>
          </li>
        ))}
      </ul>
      {node.database ? (
        <div className="database" aria-label={`Database ${node.database}`}>
          <svg className="database-icon" viewBox="0 0 20 24" aria-hidden="true">
            <ellipse cx="10" cy="5" rx="8" ry="3" />
            <path d="M2 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5" />
            <path d="M2 12c0 1.7 3.6 3 8 3s8-1.3 8-3" />
          </svg>
          <span className="database-name">{node.database}</span>
          <span className="database-note">own database</span>
        </div>
      ) : null}
    </article>
  );
}
