let shutdownHook: (() => Promise<void>) | undefined;

/** Set by the telemetry preload: how to flush and stop the SDK. */
export function onTelemetryShutdown(hook: () => Promise<void>): void {
  shutdownHook = hook;
}

/**
 * Exports the spans still buffered and stops tracing, within `timeoutMs`. Called on graceful
 * shutdown; does nothing when telemetry was not loaded.
 */
export async function flushTelemetry(timeoutMs = 2000): Promise<void> {
  const hook = shutdownHook;
  if (!hook) return;
  shutdownHook = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    hook().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
