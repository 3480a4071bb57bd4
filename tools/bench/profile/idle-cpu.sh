#!/usr/bin/env bash
# CPU each process uses with no request at all: starts the system, waits for it to settle, then
# reads each process's CPU time (from /proc) over a window.
#
#   tools/bench/profile/idle-cpu.sh                         # npm start's system, 20 s window
#   WINDOW=60 tools/bench/profile/idle-cpu.sh HEARTBEAT_MS=5000 DISCOVERY_REFRESH_MS=5000
#   ROOT=/tmp/other-checkout tools/bench/profile/idle-cpu.sh -- --monolith
#
# Any VAR=value is passed to the system; arguments after `--` go to the supervisor. Needs the
# spec's ports free; stops the system it started.
set -euo pipefail
vars=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
root=${ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
env "${vars[@]}" node tools/supervisor/dist/main.js --database-dir "$work/db" "$@" >"$work/system.log" 2>&1 &
system=$!
for _ in $(seq 1 240); do grep -q 'Microshop is up' "$work/system.log" && break; sleep 0.5; done
grep -q 'Microshop is up' "$work/system.log" || { tail -20 "$work/system.log" >&2; kill "$system"; exit 1; }
sleep 10

cpu() {
  for pid in "$system" $(pgrep -P "$system"); do
    name=$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o 'services/[a-z-]*' | cut -d/ -f2 || true)
    printf '%s %s %s\n' "$pid" "$(awk '{print $14 + $15}' "/proc/$pid/stat")" "${name:-supervisor}"
  done | sort
}
window=${WINDOW:-20}
cpu >"$work/before"
sleep "$window"
cpu >"$work/after"
ticks=$(getconf CLK_TCK)
echo "CPU with no requests, over ${window} s:"
join "$work/before" "$work/after" | awk -v s="$window" -v hz="$ticks" '
  { ms = ($4 - $2) * 1000 / hz / s; total += ms; printf "  %-18s %6.1f ms/s\n", $3, ms }
  END { printf "  %-18s %6.1f ms/s (%.0f %% of one core)\n", "all processes", total, total / 10 }'
kill -TERM "$system"
wait "$system" 2>/dev/null || true
