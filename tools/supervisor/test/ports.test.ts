import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { findTakenPort, isPortFree, portTakenMessage, freePorts, replicaPortsFor } from '../src/ports.js';

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

describe('Free ports for replicas', () => {
  test('When ports are chosen for extra replicas, then each is distinct and free, and replica 1 gets none', async () => {
    const ports = await replicaPortsFor({ 'order-service': 3, 'user-service': 1, 'product-service': 2 });
    expect(Object.fromEntries(Object.entries(ports).map(([name, list]) => [name, list.length]))).toEqual({ 'order-service': 2, 'user-service': 0, 'product-service': 1 });
    const all = Object.values(ports).flat();
    expect(new Set(all).size).toBe(3);
    for (const port of all) expect(await isPortFree(port)).toBe(true);
    expect((await freePorts(0)).length).toBe(0);
  });
});
