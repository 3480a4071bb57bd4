import type { App } from '@microshop/chassis';

/** A JSON answer from a real HTTP call. */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Listens on a free loopback port and returns the base URL. */
export async function listenOnFreePort(app: App): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/**
 * One HTTP request over a real socket, JSON in and out.
 *
 * @example
 * const { status, body } = await request(url, 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' })
 */
export async function request<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A TCP port that was free on loopback a moment ago, for a process that must be told its port up front. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
