import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN_HEADER, MAX_PROCESS_HOLD_S, MAX_REPLICAS, type ProcessAction } from '@microshop/contracts';
import { sameToken } from './admin-token.js';
import { ControlError, StartCancelled, type Supervisor } from './supervisor.js';

/** The supervisor's control endpoint, listening on loopback. */
export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  supervisor: Pick<Supervisor, 'processes' | 'control' | 'scale' | 'rollout'>;
  /** The admin credential every request must carry in `x-admin-token`. */
  adminToken: string;
  /** 0 for any free port. */
  port: number;
  host?: string;
}

const ACTIONS: readonly ProcessAction[] = ['kill', 'pause', 'resume', 'restart'];
const MAX_BODY = 4096;

function send(response: ServerResponse, status: number, body: unknown, problem = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function problem(response: ServerResponse, status: number, title: string, detail: string, field?: string): void {
  send(response, status, { type: `about:blank`, title, status, detail, ...(field ? { field } : {}) }, true);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > MAX_BODY) throw new Error('body too large');
  }
  return text.length === 0 ? {} : (JSON.parse(text) as unknown);
}

/** Checks the body of `POST /processes/:name`; returns the action and hold, or the field at fault. */
export function parseControlBody(body: unknown): { action: ProcessAction; forS: number | undefined } | { field: string; reason: string } {
  if (typeof body !== 'object' || body === null) return { field: 'body', reason: 'must be a JSON object' };
  const { action, for_s: forS, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return { field: extra, reason: 'is not a known property' };
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) return { field: 'action', reason: `must be one of ${ACTIONS.join(', ')}` };
  if (forS !== undefined && (typeof forS !== 'number' || !Number.isInteger(forS) || forS < 1 || forS > MAX_PROCESS_HOLD_S)) {
    return { field: 'for_s', reason: `must be an integer from 1 to ${MAX_PROCESS_HOLD_S}` };
  }
  return { action: action as ProcessAction, forS: forS as number | undefined };
}

/** Checks the body of `PUT /services/:service/replicas` (`SetReplicas`); returns the count, or the field at fault. */
export function parseReplicasBody(body: unknown, maxReplicas = MAX_REPLICAS): { replicas: number } | { field: string; reason: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { field: 'body', reason: 'must be a JSON object' };
  const { replicas, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return { field: extra, reason: 'is not a known property' };
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1 || replicas > maxReplicas) {
    return { field: 'replicas', reason: `must be an integer from 1 to ${maxReplicas}` };
  }
  return { replicas };
}

/** Checks the body of `POST /services/:service/rollout`: nothing, or an empty JSON object. */
export function parseRolloutBody(body: unknown): Record<string, never> | { field: string; reason: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { field: 'body', reason: 'must be a JSON object' };
  const extra = Object.keys(body)[0];
  if (extra !== undefined) return { field: extra, reason: 'is not a known property' };
  return {};
}

const TITLES: Record<ControlError['status'], string> = { 400: 'Invalid request', 404: 'No such process', 409: 'Conflict', 503: 'Not healthy' };

/**
 * Starts the supervisor's control endpoint. Every request needs the admin credential (401
 * without, 403 wrong); the gateway's admin API calls it.
 * - `GET /processes`: every instance and its state (`SupervisedInstance[]`);
 * - `POST /processes/:nameOrInstance` with `{ action: kill|pause|resume|restart, for_s? }`: acts on
 *   one instance (`order-service-2`) or a service's replica 1 (`order-service`);
 * - `PUT /services/:service/replicas` with `{ replicas }`: scales a service and answers
 *   `ServiceReplicas` once new instances are healthy or old ones are draining (404 unknown service,
 *   409 not scalable or not running, 503 a new instance never became healthy);
 * - `POST /services/:service/rollout` (no body, or `{}`): replaces every instance of a service by a
 *   fresh process, one at a time, and answers `ServiceRollout` once done (404 unknown service, 409
 *   not scalable, not running, or a rollout or scaling of it already running; 503 a new instance
 *   never became healthy, and the rollout stopped there).
 *
 * @example
 * const control = await startControlServer({ supervisor, adminToken, port: 5099 })
 */
export async function startControlServer({ supervisor, adminToken, port, host = '127.0.0.1' }: ControlServerOptions): Promise<ControlServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const given = request.headers[ADMIN_TOKEN_HEADER];
    if (typeof given !== 'string' || given.length === 0) {
      return problem(response, 401, 'Admin credential required', `Process control needs the ${ADMIN_TOKEN_HEADER} header`, ADMIN_TOKEN_HEADER);
    }
    if (!sameToken(given, adminToken)) return problem(response, 403, 'Admin credential refused', `The ${ADMIN_TOKEN_HEADER} header does not hold the admin credential`, ADMIN_TOKEN_HEADER);
    const url = new URL(request.url ?? '/', 'http://control');
    if (request.method === 'GET' && url.pathname === '/processes') return send(response, 200, supervisor.processes());
    const match = /^\/processes\/([a-z0-9-]+)$/.exec(url.pathname);
    const scaling = /^\/services\/([a-z0-9-]+)\/replicas$/.exec(url.pathname);
    const rollout = /^\/services\/([a-z0-9-]+)\/rollout$/.exec(url.pathname);
    if (request.method === 'POST' && rollout?.[1]) {
      let body: unknown;
      try {
        body = await readJson(request);
      } catch {
        return problem(response, 400, 'Invalid request', 'The body is not JSON (or larger than 4 KiB)', 'body');
      }
      const parsed = parseRolloutBody(body);
      if ('field' in parsed) return problem(response, 400, 'Invalid request', `${parsed.field}: ${parsed.reason}`, parsed.field);
      try {
        return send(response, 200, await supervisor.rollout(rollout[1]));
      } catch (error) {
        if (error instanceof ControlError) return problem(response, error.status, TITLES[error.status], error.message);
        throw error;
      }
    }
    if ((request.method === 'POST' && match?.[1]) || (request.method === 'PUT' && scaling?.[1])) {
      let body: unknown;
      try {
        body = await readJson(request);
      } catch {
        return problem(response, 400, 'Invalid request', 'The body is not JSON (or larger than 4 KiB)', 'body');
      }
      const parsed = match?.[1] ? parseControlBody(body) : parseReplicasBody(body);
      if ('field' in parsed) return problem(response, 400, 'Invalid request', `${parsed.field}: ${parsed.reason}`, parsed.field);
      try {
        if ('action' in parsed) return send(response, 200, supervisor.control(match?.[1] ?? '', parsed.action, parsed.forS));
        return send(response, 200, await supervisor.scale(scaling?.[1] ?? '', parsed.replicas));
      } catch (error) {
        if (error instanceof ControlError) return problem(response, error.status, TITLES[error.status], error.message);
        if (error instanceof StartCancelled) return problem(response, 409, 'Conflict', 'The supervisor is stopping');
        throw error;
      }
    }
    return problem(response, 404, 'Not found', `${request.method ?? 'GET'} ${url.pathname} is not a control operation`);
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => problem(response, 500, 'Internal error', error instanceof Error ? error.message : String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
