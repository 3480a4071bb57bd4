import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN_HEADER, MAX_PROCESS_HOLD_S, type ProcessAction } from '@microshop/contracts';
import { sameToken } from './admin-token.js';
import { ControlError, type Supervisor } from './supervisor.js';

/** The supervisor's control endpoint, listening on loopback. */
export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  supervisor: Pick<Supervisor, 'processes' | 'control'>;
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

/**
 * Starts the supervisor's control endpoint: `GET /processes` lists every process and its state,
 * `POST /processes/:name` with `{ action: kill|pause|resume|restart, for_s? }` acts on one. Every
 * request needs the admin credential (401 without, 403 wrong). The gateway's admin API calls it.
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
    const match = /^\/processes\/([a-z-]+)$/.exec(url.pathname);
    if (request.method === 'POST' && match?.[1]) {
      let body: unknown;
      try {
        body = await readJson(request);
      } catch {
        return problem(response, 400, 'Invalid request', 'The body is not JSON (or larger than 4 KiB)', 'body');
      }
      const parsed = parseControlBody(body);
      if ('field' in parsed) return problem(response, 400, 'Invalid request', `${parsed.field}: ${parsed.reason}`, parsed.field);
      try {
        return send(response, 200, supervisor.control(match[1], parsed.action, parsed.forS));
      } catch (error) {
        if (error instanceof ControlError) return problem(response, error.status, error.status === 404 ? 'No such process' : 'Conflict', error.message);
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
