import type { ReactNode, Ref } from 'react';
import { StatusBadge } from '../../components/status';
import { formatMs, formatRate, formatShare, formatUptime } from '../../format';
import { PROVIDER } from '../../services';
import type { NodeView } from './model';

function Figure({ label, value, warn = false }: { label: string; value: string; warn?: boolean }) {
  return (
    <div className={`figure ${warn ? 'is-warn' : ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** An instance's share of its service's traffic, as a percentage. */
export function formatSharePercent(share: number | null): string {
  return share === null ? '–' : `${Math.round(share * 100)} %`;
}

/** The id suffix of a module called in-process, in the modular monolith. */
const IN_PROCESS = '@in-process';

/** How an instance is named on its card: `#2` for `order-service-2`, `static` for a fixed URL, `in-process` for a module of the monolith. */
function instanceLabel(id: string, service: string): string {
  if (id.endsWith(IN_PROCESS)) return 'in-process';
  if (id.startsWith('http')) return 'static';
  return id.replace(`${service}-`, '#');
}

/**
 * One process of the diagram: its health, its instances (id, port, up or down, share of the
 * traffic), its live figures and, for a service, its database. Red when it does not answer, or
 * when it was just replaced. `controls` (scaling) go under the instances.
 */
/** A box's heading: "API Gateway", "Service registry", "Payment provider", "Order service". */
export function nodeTitle(node: Pick<NodeView, 'name' | 'label'>): string {
  if (node.name === 'gateway') return 'API Gateway';
  if (node.name === 'registry') return 'Service registry';
  if (node.name === PROVIDER) return 'Payment provider';
  return `${node.label} service`;
}

export function NodeCard({ node, ref, controls }: { node: NodeView; ref?: Ref<HTMLElement>; controls?: ReactNode }) {
  const red = node.health === 'down' || node.health === 'restarted';
  const errorWarn = (node.errorRate ?? 0) > 0.01;
  return (
    <article
      ref={ref}
      className={`node ${node.tone} health-${node.health} ${red ? 'is-red' : ''} ${node.database ? '' : 'node-gateway'} ${node.name === 'registry' ? 'node-registry' : ''} ${node.name === PROVIDER ? 'node-provider' : ''}`}
      data-service={node.name}
      data-health={node.health}
      aria-label={`${node.name === PROVIDER ? 'Payment provider' : `${node.label}${node.name === 'gateway' || node.name === 'registry' ? '' : ' service'}`}: ${node.health}`}
    >
      <header className="node-head">
        <div className="node-title">
          <span className="service-swatch" aria-hidden="true" />
          <h3>{nodeTitle(node)}</h3>
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
        {node.instances.map((instance) => (
          <li key={instance.id} className={`instance health-${instance.status}`} data-instance={instance.id} title={`${instance.id}: pid ${instance.pid ?? '—'}, up ${formatUptime(instance.uptimeS)}`}>
            <span className="status-dot" aria-label={instance.status === 'ok' ? 'up' : instance.status} />
            <span className="instance-id">{instanceLabel(instance.id, node.name)}</span>
            <span className="instance-port">{instance.port === null && instance.id.endsWith(IN_PROCESS) ? 'no socket' : `:${instance.port ?? '—'}`}</span>
            <span className="instance-pid">pid {instance.pid ?? '—'}</span>
            <span className="instance-uptime">up {formatUptime(instance.uptimeS)}</span>
            {node.instances.length > 1 || instance.share !== null ? (
              <span className="instance-share" data-share={instance.share ?? ''}>
                <span className="share-bar" aria-hidden="true">
                  <span style={{ width: `${Math.round((instance.share ?? 0) * 100)}%` }} />
                </span>
                {formatSharePercent(instance.share)}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {controls}
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
