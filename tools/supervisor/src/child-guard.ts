/**
 * Loaded first by every child (`node --import`). The supervisor holds the write end of the child's
 * stdin and never writes to it; when that pipe reaches its end, the supervisor is gone (even if it
 * was killed with SIGKILL), so the child stops itself the way a Ctrl-C would have stopped it.
 */
const input = process.stdin;

function supervisorGone(): void {
  // The service's own SIGTERM handler closes it gracefully; without one, SIGTERM ends it at once.
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 10_000).unref();
}

if (!input.isTTY) {
  input.once('end', supervisorGone);
  input.once('error', supervisorGone);
  input.resume();
  // Waiting for the end must not keep a finished process alive.
  if ('unref' in input && typeof input.unref === 'function') input.unref();
}

export {};
