import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { findTakenPort, isPortFree, portTakenMessage } from '../src/ports.js';

const servers: net.Server[] = [];
const holdFreePort = async (): Promise<number> => {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('Ports', () => {
  test('When another program listens on a port, then the port is taken and named with the process that needed it', async () => {
    const taken = await holdFreePort();
    const free = await holdFreePort();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    expect(await isPortFree(taken)).toBe(false);
    expect(await isPortFree(free)).toBe(true);
    expect(await findTakenPort([{ name: 'user-service', port: free }, { name: 'order-service', port: taken }])).toEqual({ name: 'order-service', port: taken });
    expect(await findTakenPort([{ name: 'user-service', port: free }])).toBeUndefined();
  });

  test('When a port is taken, then the message names the port and the service and says how to find the holder', () => {
    expect(portTakenMessage({ port: 5003, name: 'order-service' })).toBe(
      'Port 5003 (order-service) is already in use: stop whatever holds it (lsof -i :5003) or free it, then start again.',
    );
  });
});
