#!/usr/bin/env bash
# One service's start-up on its own: from spawn to its "ready" log line, the wall time, the CPU it
# used (from /proc) and its resident memory a second later. The process runs on CPU 1 with the
# telemetry preload, as the supervisor starts it, on a new SQLite file and a free port; with no
# registry running it does not register, which costs it nothing.
#
#   tools/bench/profile/start-cpu.sh [service] [runs]          # product-service, 3 runs
#   ROOT=/path/to/other/checkout tools/bench/profile/start-cpu.sh product-service 5
#
# Any VAR=value in the environment reaches the service (OTEL_SDK_DISABLED=true, …).
set -euo pipefail
service=${1:-product-service}
runs=${2:-3}
root=${ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for run in $(seq 1 "$runs"); do
  rm -f "$work"/*.db* "$work/out.log"
  start=$(date +%s%N)
  PORT=${PORT:-5102} DATABASE_FILE="$work/service.db" OTEL_SERVICE_NAME="$service" \
    taskset -c 1 node --import "$root/packages/chassis/dist/telemetry/register.js" "$root/services/$service/dist/main.js" >"$work/out.log" 2>&1 &
  pid=$!
  until grep -q 'ready on' "$work/out.log"; do
    kill -0 "$pid" 2>/dev/null || { tail -5 "$work/out.log" >&2; exit 1; }
    sleep 0.02
  done
  end=$(date +%s%N)
  cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$pid/stat")
  sleep 1
  rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  echo "$service run $run: ready in $(((end - start) / 1000000)) ms, ${cpu_ms} ms of CPU, ${rss} MiB resident"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
