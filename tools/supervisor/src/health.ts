/** What one call to a process's `GET /health` found. */
export interface HealthAnswer {
  /** HTTP status, or `null` when nothing answered. */
  status: number | null;
  /** The pid the process reported, when it did. */
  pid: number | undefined;
  /** Why nothing answered (`ECONNREFUSED`, `timeout`...), for messages. */
  problem: string | undefined;
}

/** Calls `GET <baseUrl>/health` once, giving up after `timeoutMs`. Never throws. */
export async function probeHealth(baseUrl: string, timeoutMs = 1000): Promise<HealthAnswer> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let pid: number | undefined;
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && 'pid' in body && typeof body.pid === 'number') pid = body.pid;
    } catch {
      // Not JSON: the status alone decides.
    }
    return { status: response.status, pid, problem: undefined };
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.name) : String(error);
    return { status: null, pid: undefined, problem: cause === 'TimeoutError' ? 'no answer in time' : cause };
  }
}

/**
 * Whether an answer shows that *this* process is up: its `/health` answered 200, and the pid it
 * reports (when it reports one) is the child's own, so a stranger on the same port never counts.
 */
export function isReady(answer: HealthAnswer, pid: number): boolean {
  return answer.status === 200 && (answer.pid === undefined || answer.pid === pid);
}

/** Describes the last answer for a "never became healthy" message. */
export function describeAnswer(answer: HealthAnswer | undefined): string {
  if (answer === undefined) return 'it was never asked';
  if (answer.status === null) return `the last try got no answer (${answer.problem ?? 'unknown'})`;
  return `the last answer was HTTP ${answer.status}`;
}
