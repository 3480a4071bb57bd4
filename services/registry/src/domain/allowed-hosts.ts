/**
 * Which hosts instances may register at. The registry health-checks every registered address, so
 * an open registry would let anyone with the service credential make it call any host: the list
 * keeps its calls on this machine unless a cluster says `*`.
 */
export interface AllowedHosts {
  allows(host: string): boolean;
  /** The list as configured, for error messages. */
  readonly description: string;
}

/**
 * Parses `127.0.0.1,::1,localhost` (or `*`). Names are compared without case; empty items are ignored.
 *
 * @example
 * parseAllowedHosts('127.0.0.1,localhost').allows('LOCALHOST') // true
 */
export function parseAllowedHosts(list: string | readonly string[]): AllowedHosts {
  const items = (typeof list === 'string' ? list.split(',') : list).map((item) => item.trim().toLowerCase()).filter((item) => item !== '');
  const any = items.includes('*');
  const hosts = new Set(items);
  return {
    allows: (host) => any || hosts.has(host.toLowerCase()),
    description: any ? '*' : items.join(', '),
  };
}
