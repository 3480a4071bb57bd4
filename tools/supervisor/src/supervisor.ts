import { spawn, type ChildProcess } from 'node:child_process';
import {
  DEFAULT_PAUSE_S,
  MAX_PROCESS_HOLD_S,
  type ProcessAction,
  type ReplacedInstance,
  type RolloutInstance,
  type RolloutStep,
  type ServiceReplicas,
  type ServiceRollout,
  type SupervisedInstance,
} from '@microshop/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_BACKOFF, nextRestart, type BackoffPolicy } from './backoff.js';
import { describeAnswer, isReady, probeHealth, type HealthAnswer } from './health.js';
import { splitLines } from './lines.js';
import { freePorts } from './ports.js';
import { createProcessLog, type OutputOptions, type ProcessLog, type Reporter, type StreamName } from './output.js';
import { registrySpotOf, registryStatus, type RegistryAnswer } from './registration.js';
import { PROCESS_COLOURS } from './style.js';

/** Everything needed to run one child process (one instance of a service) and know when it is up. */
export interface ProcessPlan {
  /** The service it is an instance of (`order-service`); a service name in control requests means its replica 1. */
  name: string;
  /** Its slot among the service's instances: 1 (the spec port) or 2.. (extra replicas). */
  replica: number;
  /** `order-service-2`: the id it registers under and is controlled by. */
  instanceId: string;
  command: string;
  args: readonly string[];
  /** The child's complete environment. */
  env: Record<string, string>;
  port: number;
  /** Base URL of the process on the loopback interface, for its `GET /health`. */
  baseUrl: string;
  /** Processes of a lower stage are all up before a higher stage starts. */
  stage: number;
  /** Where its data lives, for the summary; `null` when it has none. */
  database: string | null;
  /**
   * The service modules it holds when it holds several (the modular monolith): a control request
   * naming one of them acts on this whole process, as a crash of one module would.
   */
  modules?: readonly string[];
}

/** A child that is running now. */
export interface RunningProcess {
  name: string;
  instanceId: string;
  replica: number;
  pid: number;
  port: number;
  database: string | null;
}

/** Timings of the supervisor; the defaults suit a person at a terminal. */
export interface SupervisorTimings {
  /** Every process must be up within this time of start-up. */
  startTimeoutMs: number;
  /**
   * Longest pause between two health checks (or registry checks) of a starting process: a line
   * it prints ends the pause at once, since a process that logs (`Server listening…`) is
   * probably further along.
   */
  pollIntervalMs: number;
  /** How long the processes get to stop after SIGTERM before they are killed. */
  stopTimeoutMs: number;
  /** How long a restarted process gets to become healthy before a warning. */
  recoveryTimeoutMs: number;
  /**
   * In a rollout, how long after a new instance passes in the registry an old one is still kept
   * before its SIGTERM: long enough for every caller to have refreshed its lists once (each does
   * every second), so that a caller still sending to the old one fails over to the new one at once.
   */
  rolloutSettleMs?: number;
}

/** The default {@link SupervisorTimings}: 30 s to start, polls every 150 ms, 10 s to stop, 1.5 s between a new instance registered and an old one drained. */
export const DEFAULT_TIMINGS: SupervisorTimings = { startTimeoutMs: 30_000, pollIntervalMs: 150, stopTimeoutMs: 10_000, recoveryTimeoutMs: 30_000, rolloutSettleMs: 1500 };

/** Which services can change their number of instances at run time, and how a new one is run. */
export interface ScalingOptions {
  /** The services {@link Supervisor.scale} and {@link Supervisor.rollout} accept; any other supervised one answers 409. */
  services: readonly string[];
  maxReplicas: number;
  /** The plan of replica `replica` of `service` listening on `port`, a free port the supervisor chose. */
  plan(service: string, replica: number, port: number): ProcessPlan;
}

/** What the supervisor runs and where it writes. */
export interface SupervisorOptions {
  plans: readonly ProcessPlan[];
  /** Without it, no service can be scaled. */
  scaling?: ScalingOptions;
  /** Working directory of every child. */
  cwd: string;
  output: OutputOptions;
  reporter: Reporter;
  backoff?: BackoffPolicy;
  timings?: Partial<SupervisorTimings>;
}

/** Start-up failed: a process exited or never became healthy. Carries its last output lines. */
export class StartupError extends Error {
  constructor(
    readonly processName: string,
    message: string,
    readonly recentLines: readonly string[],
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Start-up was interrupted because {@link Supervisor.stop} was called. */
export class StartCancelled extends Error {
  constructor() {
    super('Start-up was cancelled');
    this.name = 'StartCancelled';
  }
}

/** Runs a set of processes (instances): starts them in stages, restarts crashed ones, scales services, stops them all. */
export interface Supervisor {
  /**
   * Starts every process, stage by stage, and resolves once all are up: healthy, and passing in
   * the registry when they register with one that runs here. Rejects with
   * {@link StartupError} when one exits or stays unhealthy (the caller then calls `stop`), or with
   * {@link StartCancelled} when `stop` is called meanwhile.
   */
  start(): Promise<RunningProcess[]>;
  /** Stops restarting, sends SIGTERM to every child, and SIGKILL to those still running after the stop timeout. Idempotent. */
  stop(): Promise<void>;
  /** Sends SIGKILL to every child still running, at once. */
  kill(): void;
  /** The children running now, one entry per instance (draining ones included). */
  running(): RunningProcess[];
  /** Every supervised instance with its state (running, paused, stopped or draining), by service in start order, then by replica. */
  processes(): SupervisedInstance[];
  /**
   * Kills (the crash policy restarts it, after `forS` when given), pauses (SIGSTOP, resumed by
   * itself after `forS`, default 30 s, at most 60 s), resumes (SIGCONT) or restarts one instance:
   * `order-service-2` names that instance, a service name (`order-service`) its replica 1. Throws
   * {@link ControlError} for an unknown name or an instance not in a state for the action.
   */
  control(nameOrInstance: string, action: ProcessAction, forS?: number): SupervisedInstance;
  /**
   * Runs `replicas` instances of `service`. Up: starts the missing slots on free ports and resolves
   * once each is healthy (a slot that never gets healthy is removed again and the call rejects
   * with 503). Down: sends SIGTERM to the highest slots, which show `draining` until they exit
   * (SIGKILL after the stop timeout; never restarted), and resolves at once. Requests for one
   * service run one after the other. Rejects with {@link ControlError}: 404 unknown service, 409
   * not scalable or not running or being rolled out, 400 a count outside 1..maxReplicas.
   */
  scale(service: string, replicas: number): Promise<ServiceReplicas>;
  /**
   * Replaces every instance of `service` by a fresh process (whatever code is built now), one at a
   * time, never with fewer than its N instances serving. A temporary instance in slot N + 1 on a
   * free port is started first; then, from the highest slot down to replica 1, the old instance of
   * the slot gets SIGTERM (`rolloutSettleMs` after the instance before it passed in the registry) (it leaves the registry, serves `DRAIN_MS` more, and exits), and once it
   * has exited a new process takes the same slot, instance id and port, and is waited for (healthy,
   * and passing in the registry when the instance registers) before the next old one is drained; at
   * the end the temporary instance is drained. Replica 1 so gets its spec port back, and the ports
   * of every slot stay what the summary printed. Resolves once all is done, with each step and its
   * durations. Rejects with {@link ControlError}: 404 unknown service, 409 not scalable, not running,
   * or already being scaled or rolled out; 503 a new instance that never became healthy (it is
   * removed again; the rollout stops there, with N instances still serving).
   */
  rollout(service: string): Promise<ServiceRollout>;
}

/** A control request the supervisor cannot carry out; `status` is the HTTP status that says why. */
export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Member {
  plan: ProcessPlan;
  /** How its lines and messages name it: the service name for replica 1, the instance id for the others. */
  label: string;
  log: ProcessLog;
  child: ChildProcess | undefined;
  pid: number | undefined;
  alive: boolean;
  startedAt: number;
  closed: Promise<Exit>;
  restarts: number;
  restartTimer: NodeJS.Timeout | undefined;
  paused: boolean;
  /** Epoch ms until which the process stays paused or down (admin control). */
  holdUntil: number | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  /** The next exit was asked for (restart): start again at once, not as a crash. */
  restartNow: boolean;
  /** Scaled away: told to stop, never restarted, removed once it exits. */
  draining: boolean;
  /** Called at the child's next output line: ends the pauses of whoever waits for it to be up. */
  nudges: Set<() => void>;
}

/** `with code 1`, `by signal SIGKILL`. */
export function describeExit({ code, signal }: Exit): string {
  return code !== null ? `with code ${code}` : `by signal ${signal ?? 'unknown'}`;
}

function describeUptime(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** True when `promise` settles within `ms`; the timer never outlives the answer. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const timeout = sleep(ms, false, { signal: timer.signal }).catch(() => false);
  const settled = await Promise.race([promise.then(() => true), timeout]);
  timer.abort();
  return settled;
}

function sendSignal(member: Member, signal: NodeJS.Signals): void {
  if (!member.alive || member.pid === undefined) return;
  try {
    // Each child leads its own process group: signal the group, so nothing it started survives.
    process.kill(-member.pid, signal);
  } catch {
    try {
      member.child?.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Creates a supervisor for `plans`. Each child runs in its own process group with piped stdio;
 * its lines go through {@link createProcessLog}.
 *
 * @example
 * const supervisor = createSupervisor({ plans, cwd: ROOT, output, reporter })
 * const running = await supervisor.start()
 * process.once('SIGINT', () => void supervisor.stop())
 */
export function createSupervisor({ plans, scaling, cwd, output, reporter, backoff = DEFAULT_BACKOFF, timings = {} }: SupervisorOptions): Supervisor {
  const t: SupervisorTimings = { ...DEFAULT_TIMINGS, ...timings };
  let phase: 'idle' | 'starting' | 'running' | 'stopping' = 'idle';
  let stopping: Promise<void> | undefined;
  const cancel = new AbortController();
  // Services in start order: they order the listings and pick each service's colour.
  const services = [...new Set(plans.map((plan) => plan.name))];
  const scalingQueue = new Map<string, Promise<unknown>>();
  /** Scale requests queued or running, per service; a rollout waits for none and is refused while any is there. */
  const pendingScales = new Map<string, number>();
  /** The services being rolled out now. */
  const rollouts = new Set<string>();

  const enlist = (plan: ProcessPlan): Member => {
    const label = plan.replica === 1 ? plan.name : plan.instanceId;
    return {
      plan,
      label,
      log: createProcessLog(label, PROCESS_COLOURS[services.indexOf(plan.name) % PROCESS_COLOURS.length] ?? 'cyan', output),
      child: undefined,
    pid: undefined,
    alive: false,
    startedAt: 0,
    closed: Promise.resolve({ code: null, signal: null }),
    restarts: 0,
    restartTimer: undefined,
    paused: false,
    holdUntil: undefined,
      holdTimer: undefined,
      restartNow: false,
      draining: false,
      nudges: new Set(),
    };
  };
  const members: Member[] = plans.map(enlist);
  const fields = (member: Member) => ({ process: member.plan.name, instance: member.plan.instanceId });
  const ordered = (): Member[] =>
    [...members].sort((a, b) => services.indexOf(a.plan.name) - services.indexOf(b.plan.name) || a.plan.replica - b.plan.replica);
  const remove = (member: Member): void => {
    const index = members.indexOf(member);
    if (index >= 0) members.splice(index, 1);
  };

  const pipeLines = (member: Member, stream: NodeJS.ReadableStream | null, name: StreamName) => {
    if (!stream) return;
    const lines = splitLines();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const complete = lines.push(chunk);
      member.log.lines(name, complete);
      if (complete.length > 0) [...member.nudges].forEach((nudge) => nudge());
    });
    stream.on('end', () => member.log.lines(name, lines.flush()));
    stream.on('error', () => undefined);
  };

  const launch = (member: Member): void => {
    const { plan } = member;
    const child = spawn(plan.command, [...plan.args], { cwd, env: plan.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    member.child = child;
    member.pid = child.pid;
    member.alive = child.pid !== undefined;
    member.startedAt = Date.now();
    member.paused = false;
    // The child's stdin is never written to: it only tells the child when the supervisor is gone.
    child.stdin?.on('error', () => undefined);
    pipeLines(member, child.stdout, 'stdout');
    pipeLines(member, child.stderr, 'stderr');
    member.closed = new Promise<Exit>((resolve) => {
      let done = false;
      const finish = (exit: Exit) => {
        if (done) return;
        done = true;
        member.alive = false;
        resolve(exit);
        onExit(member, exit);
      };
      child.once('close', (code, signal) => finish({ code, signal }));
      child.once('error', (error) => {
        member.log.line('stderr', `cannot start ${plan.command}: ${error.message}`);
        if (child.pid === undefined) finish({ code: null, signal: null });
      });
    });
  };

  const onExit = (member: Member, exit: Exit): void => {
    if (member.draining) {
      remove(member);
      if (phase === 'running') reporter.info(`${member.label} (pid ${member.pid ?? '?'}) drained: exited ${describeExit(exit)}; removed`, fields(member));
      return;
    }
    if (phase !== 'running') return; // Start-up notices by itself; stopping expects it.
    member.paused = false;
    clearTimeout(member.holdTimer);
    const upFor = Date.now() - member.startedAt;
    const crash = nextRestart(backoff, member.restarts, upFor);
    const asked = member.restartNow;
    member.restartNow = false;
    const attempt = asked ? member.restarts : crash.attempt;
    const held = member.holdUntil === undefined ? 0 : Math.max(0, member.holdUntil - Date.now());
    member.holdUntil = undefined;
    const delayMs = asked ? 0 : Math.max(crash.delayMs, held);
    member.restarts = attempt;
    reporter.warn(`${member.label} (pid ${member.pid ?? '?'}) exited ${describeExit(exit)} after ${describeUptime(upFor)}; restarting in ${delayMs} ms`, {
      ...fields(member),
      code: exit.code,
      signal: exit.signal,
      restart: attempt,
    });
    member.restartTimer = setTimeout(() => {
      member.restartTimer = undefined;
      if (phase !== 'running' || member.draining) return;
      launch(member);
      reporter.info(`${member.label} restarted as pid ${member.pid ?? '?'}`, { ...fields(member), restart: attempt });
      void watchRecovery(member);
    }, delayMs);
  };

  const exitedDuringStart = async (member: Member): Promise<StartupError> => {
    const exit = await member.closed;
    return new StartupError(member.label, `${member.label} exited ${describeExit(exit)} before the system was up.`, member.log.recent());
  };

  /** Waits `pollIntervalMs`, or less: until `member` prints a line or `signal` aborts. */
  const pause = (member: Member, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        member.nudges.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, t.pollIntervalMs);
      member.nudges.add(done);
      signal.addEventListener('abort', done, { once: true });
    });

  /** Polls `member`'s health until it is ready; fails as soon as it, or any of `watched`, exits. */
  const waitUntilReady = async (member: Member, deadline: number, signal: AbortSignal, watched: readonly Member[] = [member]): Promise<void> => {
    const { plan } = member;
    let last: HealthAnswer | undefined;
    for (;;) {
      if (signal.aborted) throw new StartCancelled();
      const gone = watched.find((m) => !m.alive);
      if (gone) throw await exitedDuringStart(gone);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new StartupError(
          member.label,
          `${member.label} did not become healthy within ${Math.round((deadline - member.startedAt) / 1000)} s: ${describeAnswer(last)} from ${plan.baseUrl}/health.`,
          member.log.recent(),
        );
      }
      last = await probeHealth(plan.baseUrl, Math.min(1000, remaining));
      if (member.alive && member.pid !== undefined && isReady(last, member.pid)) return;
      await pause(member, signal);
    }
  };

  /** Polls the registry until it lists `member`'s process as passing; nothing to wait for when the process does not register. */
  const waitUntilRegistered = async (member: Member, deadline: number, signal: AbortSignal): Promise<void> => {
    const spot = registrySpotOf(member.plan);
    if (!spot) return;
    let last: RegistryAnswer | undefined;
    for (;;) {
      if (signal.aborted) throw new StartCancelled();
      if (!member.alive) throw await exitedDuringStart(member);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const said = last === undefined ? 'it was never asked' : last.status === null ? `the registry did not answer (${last.problem ?? 'unknown'})` : `its status there was ${last.status}`;
        throw new StartupError(member.label, `${member.label} was not passing in the registry within ${Math.round((deadline - member.startedAt) / 1000)} s: ${said}.`, member.log.recent());
      }
      last = await registryStatus(spot, member.pid ?? 0, Math.min(1000, remaining));
      if (last.status === 'passing') return;
      await pause(member, signal);
    }
  };

  /** True when `member` registers with a registry that is one of the supervised processes (a subset without the registry registers nowhere). */
  const registersHere = (member: Member): boolean => {
    const spot = registrySpotOf(member.plan);
    return spot !== undefined && members.some((m) => m.plan.baseUrl === spot.registryUrl);
  };

  const watchRecovery = async (member: Member): Promise<void> => {
    const pid = member.pid;
    try {
      await waitUntilReady(member, Date.now() + t.recoveryTimeoutMs, cancel.signal);
      if (member.pid !== pid) return; // Restarted again meanwhile: that restart has its own watcher.
      reporter.info(`${member.label} is healthy again (pid ${pid ?? '?'})`, fields(member));
    } catch (error) {
      if (error instanceof StartupError && member.alive && member.pid === pid) {
        reporter.warn(`${member.label} (pid ${pid ?? '?'}) has not become healthy within ${Math.round(t.recoveryTimeoutMs / 1000)} s of its restart`);
      }
      // Otherwise it exited again (and its next restart is already planned) or the system is stopping.
    }
  };

  const describe = (member: Member): SupervisedInstance => ({
    service: member.plan.name,
    instance_id: member.plan.instanceId,
    replica: member.plan.replica,
    pid: member.alive ? (member.pid ?? null) : null,
    port: member.plan.port,
    state: member.draining ? 'draining' : !member.alive ? 'stopped' : member.paused ? 'paused' : 'running',
    ...(member.holdUntil === undefined ? {} : { until: new Date(member.holdUntil).toISOString() }),
  });

  const resume = (member: Member, reason: string): void => {
    clearTimeout(member.holdTimer);
    member.holdTimer = undefined;
    member.holdUntil = undefined;
    if (!member.paused) return;
    sendSignal(member, 'SIGCONT');
    member.paused = false;
    reporter.info(`${member.label} (pid ${member.pid ?? '?'}) resumed (${reason})`, fields(member));
  };

  /** The instance `order-service-2`, or a service's replica 1 for its name; a draining one only when nothing else matches. */
  const find = (nameOrInstance: string): Member | undefined =>
    [...members]
      .sort((a, b) => Number(a.draining) - Number(b.draining))
      .find((m) => m.plan.instanceId === nameOrInstance || (m.plan.name === nameOrInstance && m.plan.replica === 1) || (m.plan.modules?.includes(nameOrInstance) ?? false));

  const control = (nameOrInstance: string, action: ProcessAction, forS?: number): SupervisedInstance => {
    const member = find(nameOrInstance);
    if (!member) throw new ControlError(404, `No process or instance named ${nameOrInstance} is supervised here`);
    if (phase !== 'running') throw new ControlError(409, `The supervisor is ${phase}: processes can be controlled once every one is up`);
    const name = member.label;
    if (member.draining) throw new ControlError(409, `${member.plan.instanceId} is draining: it is being scaled away`);
    const seconds = Math.min(MAX_PROCESS_HOLD_S, Math.max(1, forS ?? DEFAULT_PAUSE_S));
    if (action !== 'restart' && action !== 'resume' && !member.alive) throw new ControlError(409, `${name} is not running`);
    switch (action) {
      case 'kill':
        resume(member, 'killed');
        if (forS !== undefined) member.holdUntil = Date.now() + seconds * 1000;
        reporter.warn(`${name} (pid ${member.pid ?? '?'}) killed through the control endpoint`, fields(member));
        sendSignal(member, 'SIGKILL');
        break;
      case 'pause':
        clearTimeout(member.holdTimer);
        sendSignal(member, 'SIGSTOP');
        member.paused = true;
        member.holdUntil = Date.now() + seconds * 1000;
        member.holdTimer = setTimeout(() => resume(member, `after ${seconds} s`), seconds * 1000);
        member.holdTimer.unref();
        reporter.warn(`${name} (pid ${member.pid ?? '?'}) paused (SIGSTOP) for at most ${seconds} s`, fields(member));
        break;
      case 'resume':
        if (!member.alive) throw new ControlError(409, `${name} is not running`);
        resume(member, 'asked');
        break;
      case 'restart':
        if (!member.alive) {
          // Down on purpose or between crash restarts: start it now.
          clearTimeout(member.restartTimer);
          member.holdUntil = undefined;
          launch(member);
          void watchRecovery(member);
          break;
        }
        resume(member, 'restarting');
        member.restartNow = true;
        sendSignal(member, 'SIGTERM');
        break;
    }
    return describe(member);
  };

  const running = (): RunningProcess[] =>
    ordered()
      .filter((m) => m.alive && m.pid !== undefined)
      .map((m) => ({ name: m.plan.name, instanceId: m.plan.instanceId, replica: m.plan.replica, pid: m.pid ?? 0, port: m.plan.port, database: m.plan.database }));

  /** Scale-down: SIGTERM now (the service deregisters, then drains), SIGKILL after the stop timeout, removed once it exits. */
  const drain = (member: Member, reason: string): void => {
    member.draining = true;
    clearTimeout(member.restartTimer);
    clearTimeout(member.holdTimer);
    member.restartTimer = undefined;
    member.holdTimer = undefined;
    member.holdUntil = undefined;
    if (!member.alive) {
      remove(member);
      reporter.info(`${member.label} removed (${reason}; it was not running)`, fields(member));
      return;
    }
    // A stopped process cannot act on SIGTERM: wake it first.
    if (member.paused) sendSignal(member, 'SIGCONT');
    member.paused = false;
    reporter.info(`${member.label} (pid ${member.pid ?? '?'}) draining: SIGTERM (${reason})`, fields(member));
    sendSignal(member, 'SIGTERM');
    void settlesWithin(member.closed, t.stopTimeoutMs).then((exited) => {
      if (exited || !member.alive) return;
      reporter.warn(`${member.label} (pid ${member.pid ?? '?'}) did not drain within ${Math.round(t.stopTimeoutMs / 1000)} s: killing`, fields(member));
      sendSignal(member, 'SIGKILL');
    });
  };

  /** Scale-up: starts slot `replica` of `service` on a free port and waits until it is healthy. */
  const addReplica = async (config: ScalingOptions, service: string, replica: number, reason: string): Promise<void> => {
    // The new instance registers under the same id as a draining one in this slot: let that one go first.
    await Promise.all(members.filter((m) => m.plan.name === service && m.plan.replica === replica && m.draining).map((m) => m.closed));
    if (phase !== 'running') throw new StartCancelled();
    // Replica 1 (gone after a rollout cut short) comes back on its own port; the others get free ones.
    const own = replica === 1 ? plans.find((plan) => plan.name === service && plan.replica === 1) : undefined;
    const [port = 0] = own ? [own.port] : await freePorts(1);
    const member = enlist(own ?? config.plan(service, replica, port));
    members.push(member);
    launch(member);
    reporter.info(`${member.label} started as pid ${member.pid ?? '?'} on port ${port} (${reason})`, fields(member));
    try {
      await waitUntilReady(member, Date.now() + t.startTimeoutMs, cancel.signal);
      reporter.info(`${member.label} is healthy (pid ${member.pid ?? '?'})`, fields(member));
    } catch (error) {
      if (!(error instanceof StartupError)) throw error;
      const message = member.alive ? error.message : `${member.label} exited before it became healthy.`;
      reporter.warn(`${message} Removing it again.`, fields(member));
      drain(member, 'never became healthy');
      throw new ControlError(503, message);
    }
  };

  const resize = async (service: string, replicas: number): Promise<ServiceReplicas> => {
    if (phase !== 'running' || !scaling) throw new ControlError(409, `The supervisor is ${phase}: services can be scaled once every process is up`);
    const active = members.filter((m) => m.plan.name === service && !m.draining).sort((a, b) => a.plan.replica - b.plan.replica);
    const reason = `scaling ${service} from ${active.length} to ${replicas}`;
    if (replicas < active.length) {
      // The highest slots go (a rollout cut short can leave a gap in the numbering).
      active.slice(replicas).reverse().forEach((member) => drain(member, reason));
    } else if (replicas > active.length) {
      // The lowest free slots are filled.
      const taken = new Set(active.map((m) => m.plan.replica));
      const slots: number[] = [];
      for (let slot = 1; slots.length < replicas - active.length; slot++) if (!taken.has(slot)) slots.push(slot);
      const results = await Promise.allSettled(slots.map((replica) => addReplica(scaling, service, replica, reason)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason instanceof StartCancelled ? new ControlError(409, `The supervisor is ${phase}: scaling ${service} was cut short`) : failed.reason;
    }
    return { service, replicas, instances: ordered().filter((m) => m.plan.name === service).map(describe) };
  };

  const scale = (service: string, replicas: number): Promise<ServiceReplicas> => {
    if (!services.includes(service)) return Promise.reject(new ControlError(404, `No service named ${service} is supervised here`));
    if (!scaling?.services.includes(service)) {
      const which = scaling?.services.length ? `only ${scaling.services.join(', ')} can` : 'none can here';
      return Promise.reject(new ControlError(409, `${service} cannot be scaled; ${which}`));
    }
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > scaling.maxReplicas) {
      return Promise.reject(new ControlError(400, `replicas must be a whole number from 1 to ${scaling.maxReplicas}`));
    }
    if (phase !== 'running') return Promise.reject(new ControlError(409, `The supervisor is ${phase}: services can be scaled once every process is up`));
    if (rollouts.has(service)) return Promise.reject(new ControlError(409, `${service} is being rolled out: scale it once the rollout is done`));
    pendingScales.set(service, (pendingScales.get(service) ?? 0) + 1);
    const next = (scalingQueue.get(service) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => resize(service, replicas))
      .finally(() => pendingScales.set(service, (pendingScales.get(service) ?? 1) - 1));
    scalingQueue.set(service, next);
    return next;
  };

  const refOf = (member: Member): RolloutInstance => ({
    instance_id: member.plan.instanceId,
    replica: member.plan.replica,
    pid: member.alive ? (member.pid ?? null) : null,
    port: member.plan.port,
  });

  /**
   * Starts `plan` as a new instance and waits until it is healthy and passing in the registry.
   * One that is not within the start timeout is removed again: {@link ControlError} 503.
   */
  const bringUp = async (plan: ProcessPlan, reason: string): Promise<{ member: Member; healthyMs: number; ms: number; registers: boolean }> => {
    if (phase !== 'running') throw new StartCancelled();
    const member = enlist(plan);
    members.push(member);
    const began = performance.now();
    launch(member);
    reporter.info(`${member.label} started as pid ${member.pid ?? '?'} on port ${plan.port} (${reason})`, fields(member));
    let healthyMs = 0;
    try {
      const deadline = Date.now() + t.startTimeoutMs;
      await waitUntilReady(member, deadline, cancel.signal);
      healthyMs = performance.now() - began;
      await waitUntilRegistered(member, deadline, cancel.signal);
    } catch (error) {
      if (!(error instanceof StartupError)) throw error;
      const message = member.alive ? error.message : `${member.label} exited before it became healthy.`;
      reporter.warn(`${message} Removing it again.`, fields(member));
      drain(member, 'never became healthy');
      throw new ControlError(503, message);
    }
    const ms = performance.now() - began;
    const registers = registrySpotOf(plan) !== undefined;
    reporter.info(
      registers
        ? `${member.label} is healthy and registered (pid ${member.pid ?? '?'}: healthy ${Math.round(healthyMs)} ms, passing in the registry ${Math.round(ms)} ms after its start)`
        : `${member.label} is healthy (pid ${member.pid ?? '?'}, ${Math.round(ms)} ms after its start)`,
      fields(member),
    );
    return { member, healthyMs, ms, registers };
  };

  /** Once `incoming` is up: lets every caller learn of it before an old instance goes (see `rolloutSettleMs`). */
  const settle = async (incoming: { registers: boolean }): Promise<void> => {
    if (!incoming.registers || !t.rolloutSettleMs) return;
    await sleep(t.rolloutSettleMs, undefined, { signal: cancel.signal }).catch(() => undefined);
    if (phase !== 'running') throw new StartCancelled();
  };

  /** Drains `member` (SIGTERM: it deregisters, serves DRAIN_MS, closes) and resolves with the milliseconds until it exited. */
  const retire = async (member: Member, reason: string): Promise<number> => {
    const began = performance.now();
    drain(member, reason);
    await member.closed;
    return performance.now() - began;
  };

  const replaceAll = async (config: ScalingOptions, service: string): Promise<ServiceRollout> => {
    const startedAt = new Date();
    const began = performance.now();
    // From the highest slot down: replica 1, on the spec port, is replaced last.
    const olds = members.filter((m) => m.plan.name === service && !m.draining).sort((a, b) => b.plan.replica - a.plan.replica);
    if (olds.length === 0) throw new ControlError(409, `${service} has no instance to replace`);
    // Above every slot of the service, draining ones included: its instance id is nobody else's.
    const spareSlot = Math.max(...members.filter((m) => m.plan.name === service).map((m) => m.plan.replica)) + 1;
    const total = olds.length + 1;
    const steps: RolloutStep[] = [];
    const replaced: ReplacedInstance[] = [];
    const reason = `rolling out ${service}`;
    reporter.info(`${reason}: ${olds.length} instance${olds.length === 1 ? '' : 's'} to replace one at a time, through a temporary one in slot ${spareSlot}`, { process: service });
    try {
      const [sparePort = 0] = await freePorts(1);
      let incoming = await bringUp(config.plan(service, spareSlot, sparePort), `${reason}: temporary, serves while each instance is replaced`);
      const temporary = incoming.member;
      const temporaryRef = refOf(temporary);
      for (const old of olds) {
        const stopped = refOf(old);
        await settle(incoming);
        const drainMs = await retire(old, `${reason}: ${incoming.member.label} (pid ${incoming.member.pid ?? '?'}) serves in its place`);
        steps.push({ started: refOf(incoming.member), stopped, healthy_ms: Math.round(incoming.healthyMs), start_ms: Math.round(incoming.ms), drain_ms: Math.round(drainMs) });
        // The same slot, instance id, port and environment: a fresh process of the code on disk.
        incoming = await bringUp(old.plan, `${reason}: replaces pid ${stopped.pid ?? '-'}`);
        replaced.push({ old: stopped, new: refOf(incoming.member) });
      }
      await settle(incoming);
      const drainMs = await retire(temporary, `${reason}: every slot replaced, the temporary instance leaves`);
      steps.push({ started: refOf(incoming.member), stopped: temporaryRef, healthy_ms: Math.round(incoming.healthyMs), start_ms: Math.round(incoming.ms), drain_ms: Math.round(drainMs) });
      const durationMs = Math.round(performance.now() - began);
      replaced.sort((a, b) => a.new.replica - b.new.replica);
      const changes = replaced.map(({ old, new: now }) => `${now.instance_id} pid ${old.pid ?? '-'} → ${now.pid ?? '?'} (port ${now.port})`).join(', ');
      reporter.info(`${service} rolled out in ${(durationMs / 1000).toFixed(1)} s: ${changes}`, { process: service, duration_ms: durationMs });
      return {
        service,
        replicas: olds.length,
        started_at: startedAt.toISOString(),
        duration_ms: durationMs,
        replaced,
        temporary: temporaryRef,
        steps,
        instances: ordered().filter((m) => m.plan.name === service).map(describe),
      };
    } catch (error) {
      const done = `${steps.length} of ${total} steps`;
      if (error instanceof StartCancelled) throw new ControlError(409, `The supervisor is ${phase}: the rollout of ${service} was cut short after ${done}`);
      if (error instanceof ControlError) {
        const serving = members.filter((m) => m.plan.name === service && !m.draining && m.alive).map((m) => m.plan.instanceId);
        throw new ControlError(error.status, `${error.message} The rollout of ${service} stopped after ${done}; serving now: ${serving.join(', ') || 'none'}.`);
      }
      throw error;
    }
  };

  const rollout = async (service: string): Promise<ServiceRollout> => {
    const holder = plans.find((plan) => plan.modules?.includes(service));
    if (holder && !services.includes(service)) {
      throw new ControlError(409, `${service} runs inside ${holder.name} with ${holder.modules?.filter((m) => m !== service).join(', ') ?? 'other modules'}: it cannot be deployed alone; restarting ${holder.name} restarts every module`);
    }
    if (!services.includes(service)) throw new ControlError(404, `No service named ${service} is supervised here`);
    if (!scaling?.services.includes(service)) {
      const which = scaling?.services.length ? `only ${scaling.services.join(', ')} can` : 'none can here';
      throw new ControlError(409, `${service} cannot be rolled out without stopping it: it cannot run as two instances at once; ${which}`);
    }
    if (phase !== 'running') throw new ControlError(409, `The supervisor is ${phase}: services can be rolled out once every process is up`);
    if (rollouts.has(service)) throw new ControlError(409, `A rollout of ${service} is already running`);
    if ((pendingScales.get(service) ?? 0) > 0) throw new ControlError(409, `${service} is being scaled: roll it out once that is done`);
    rollouts.add(service);
    try {
      return await replaceAll(scaling, service);
    } finally {
      rollouts.delete(service);
    }
  };

  return {
    async start() {
      if (phase !== 'idle') throw new Error('A supervisor starts once');
      phase = 'starting';
      const deadline = Date.now() + t.startTimeoutMs;
      const stages = [...new Set(members.map((m) => m.plan.stage))].sort((a, b) => a - b);
      const launched: Member[] = [];
      for (const stage of stages) {
        const group = members.filter((m) => m.plan.stage === stage);
        for (const member of group) {
          if (cancel.signal.aborted) throw new StartCancelled();
          launch(member);
          launched.push(member);
        }
        await Promise.all(group.map((member) => waitUntilReady(member, deadline, cancel.signal, launched)));
      }
      // Up means reachable: every process that registers with a registry run here is passing there.
      await Promise.all(members.filter(registersHere).map((member) => waitUntilRegistered(member, deadline, cancel.signal)));
      if (cancel.signal.aborted) throw new StartCancelled();
      const gone = members.find((m) => !m.alive);
      if (gone) throw await exitedDuringStart(gone);
      phase = 'running';
      return running();
    },

    stop() {
      stopping ??= (async () => {
        phase = 'stopping';
        cancel.abort();
        for (const member of members) {
          clearTimeout(member.restartTimer);
          clearTimeout(member.holdTimer);
        }
        const alive = members.filter((m) => m.alive);
        if (alive.length === 0) return;
        // A stopped process cannot act on SIGTERM: wake the paused ones first.
        alive.filter((m) => m.paused).forEach((member) => sendSignal(member, 'SIGCONT'));
        alive.forEach((member) => sendSignal(member, 'SIGTERM'));
        const allClosed = Promise.all(alive.map((m) => m.closed));
        if (!(await settlesWithin(allClosed, t.stopTimeoutMs))) {
          const stuck = alive.filter((m) => m.alive);
          reporter.warn(`${stuck.map((m) => m.label).join(', ')} did not stop within ${Math.round(t.stopTimeoutMs / 1000)} s: killing`);
          stuck.forEach((member) => sendSignal(member, 'SIGKILL'));
          if (!(await settlesWithin(allClosed, 5000))) {
            reporter.error(`${alive.filter((m) => m.alive).map((m) => `${m.label} (pid ${m.pid ?? '?'})`).join(', ')} survived SIGKILL`);
          }
        }
      })();
      return stopping;
    },

    kill() {
      members.forEach((member) => sendSignal(member, 'SIGKILL'));
    },

    running,
    processes: () => ordered().map(describe),
    control,
    scale,
    rollout,
  };
}
