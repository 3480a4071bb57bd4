import { hostname } from 'node:os';

const INSTANCE_ID = `${hostname()}:${process.pid}`;

/**
 * This process's instance id, `<host>:<pid>`: the `service.instance.id` of its spans and the
 * `instance` of its log lines, so a replica is told apart from its siblings in both.
 */
export function serviceInstanceId(): string {
  return INSTANCE_ID;
}
