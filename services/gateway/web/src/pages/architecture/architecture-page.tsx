import { useRef, useState } from 'react';
import { getAdminServices, readAdminToken, saveAdminToken } from '../../api/admin';
import { getHealth, getOverview } from '../../api/system';
import { PageHeader } from '../../components/page-header';
import { StatusBadge } from '../../components/status';
import { untilMissing, usePoll } from '../../hooks/use-poll';
import { Link } from '../../router';
import { ChaosPanel } from './chaos-panel';
import { Diagram } from './diagram';
import { EdgeTable } from './edge-table';
import { buildModel, EMPTY_MEMORY, remember, type Memory } from './model';
import { ProviderCard } from './provider-card';
import { RedeployControl } from './redeploy-control';
import { ScaleControls } from './scale-controls';
import { SCALABLE, serviceInfo } from '../../services';

/** How often the admin state (faults, processes, instances) is asked, with the admin token. */
export const ADMIN_POLL_MS = 1000;

/** Every how many milliseconds the page asks again: a process that dies shows red within two polls. */
export const POLL_MS = 1000;

/** How long after a redeploy ends its service's new pids are still taken as the redeploy's, not as crashes (the health poll lags). */
export const REDEPLOY_QUIET_MS = 5000;

/**
 * The architecture, live: the spec's diagram drawn from the gateway's `/health` (asked every
 * second, each service probed right then) and its metrics overview (requests/s, errors, p99, calls
 * per edge).
 */
export function ArchitecturePage() {
  const health = usePoll((signal) => getHealth(signal), POLL_MS);
  const [loadOverview] = useState(() => untilMissing(getOverview));
  const overview = usePoll(loadOverview, POLL_MS);
  const [token, setToken] = useState(readAdminToken);
  const admin = usePoll((signal) => (token ? getAdminServices(token, signal) : Promise.resolve(undefined)), ADMIN_POLL_MS, token);
  const adminData = admin.value?.ok ? admin.value.data : undefined;
  // Services being redeployed (until when, epoch ms; Infinity while the rollout runs): their pids change on purpose.
  const [redeploys, setRedeploys] = useState<Record<string, number>>({});
  const onRedeploy = (service: string, running: boolean) => setRedeploys((r) => ({ ...r, [service]: running ? Number.POSITIVE_INFINITY : Date.now() + REDEPLOY_QUIET_MS }));
  const changeToken = (next: string) => {
    saveAdminToken(next);
    setToken(next);
  };
  const controlsFor = (service: string) => {
    const status = adminData?.services.find((s) => s.service === service);
    if (!token || !status || !SCALABLE.includes(service)) return null;
    const props = { token, service, label: serviceInfo(service).label, instances: status.instances, supervisor: adminData?.supervisor === true };
    return (
      <>
        <ScaleControls {...props} />
        <RedeployControl {...props} onRunning={onRedeploy} />
      </>
    );
  };
  const memory = useRef<Memory>(EMPTY_MEMORY);
  const seenHealth = useRef<unknown>(undefined);

  const now = performance.now();
  if (health.value && seenHealth.current !== health.value) {
    seenHealth.current = health.value;
    const redeploying = Object.keys(redeploys).filter((service) => (redeploys[service] ?? 0) > Date.now());
    memory.current = remember(memory.current, health.value.data, now, redeploying);
  }
  const gatewayReachable = health.value ? health.value.status !== 0 : true;
  const model = buildModel({ health: health.value?.data, overview: overview.value?.data, gatewayReachable, memory: memory.current, now });
  const down = model.nodes.filter((n) => n.health === 'down' || n.health === 'restarted');
  const overviewMissing = overview.value !== undefined && !overview.value.ok;
  // The modular monolith (npm start -- --monolith): every service answers as a module of one process.
  const modules = model.nodes.flatMap((n) => n.instances).filter((instance) => instance.id.endsWith('@in-process'));
  const monolithPid = modules.length > 0 ? modules[0]?.pid : undefined;

  return (
    <>
      <PageHeader
        title="Architecture"
        lead={
          <>
            The gateway and four services, each its own database and one or more instances found through the registry, and the simulated payment
            provider the Payment service charges through, drawn from live data: health every second, traffic figures and each instance's share over
            the last minute. Start some <Link to="/traffic">traffic</Link> to see the calls flow; with the admin token, − / + scale a service,
            Redeploy replaces its instances one at a time with no downtime, inject faults, and make the provider decline, fail or slow down.
          </>
        }
        actions={
          health.value ? (
            <StatusBadge status={down.length ? 'down' : 'ok'} label={down.length ? `${down.map((n) => n.label).join(', ')} down` : 'All processes healthy'} />
          ) : (
            <StatusBadge status="unknown" label="Checking…" />
          )
        }
      />
      {overviewMissing ? (
        <div className="banner" role="status">
          Traffic figures are unavailable ({overview.value?.problem?.detail ?? `status ${overview.value?.status}`}); health is live.
        </div>
      ) : null}
      {monolithPid !== undefined ? (
        <div className="banner" role="status" data-topology="monolith">
          Modular monolith: the four services run as modules of one process (pid {monolithPid ?? '—'}), with the gateway. A call between them stays
          in the process (no socket), each keeps its own database, and one crash stops them all. See <code>docs/topologies.md</code>.
        </div>
      ) : null}
      <Diagram nodes={model.nodes} edges={model.edges} registry={model.registry} controlsFor={controlsFor} />
      <EdgeTable edges={model.edges} />
      <ChaosPanel token={token} answer={admin.value} onTokenChange={changeToken} />
      <ProviderCard token={token} refused={admin.value !== undefined && (admin.value.status === 401 || admin.value.status === 403)} />
    </>
  );
}
