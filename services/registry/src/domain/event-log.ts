import type { RegistryEvent } from '@microshop/contracts';

/** The registry's most recent events, oldest dropped first: the UI's "what just happened". */
export interface EventLog {
  add(event: RegistryEvent): void;
  /** Newest first. */
  recent(): RegistryEvent[];
}

/** A ring buffer of at most `capacity` events, so a flapping instance cannot grow memory. */
export function createEventLog(capacity: number): EventLog {
  const ring: RegistryEvent[] = new Array<RegistryEvent>(capacity);
  let next = 0;
  let size = 0;
  return {
    add(event) {
      ring[next] = event;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    recent() {
      const out: RegistryEvent[] = [];
      for (let i = 1; i <= size; i++) out.push(ring[(next - i + capacity) % capacity] as RegistryEvent);
      return out;
    },
  };
}
