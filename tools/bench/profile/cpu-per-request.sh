#!/usr/bin/env bash
# CPU per request, per process: starts the system, loads one route for a while, and divides each
# process's CPU time (from /proc) by the requests answered. The supervisor's own CPU (relaying every
# line the processes log, in its default pretty format, to a file) is shown apart, not in the total.
#
#   tools/bench/profile/cpu-per-request.sh http://127.0.0.1:5002/api/products/1
#   METHOD=POST BODY='{"user_id":1,"product_id":1,"quantity":1}' tools/bench/profile/cpu-per-request.sh http://127.0.0.1:5000/api/orders
#   ROOT=/path/to/other/checkout tools/bench/profile/cpu-per-request.sh …   # the same load on another build
#
# As in the suite, the system runs on CPU 1 and the load generator on CPU 0. It seeds user 1 and
# product 1 (stock 1,000,000) first, then warms the route up for WARMUP seconds (3) on at most 5
# connections, so that code the JIT has not compiled yet is not counted. Settings: CONNECTIONS (20),
# DURATION (10 s), and any VAR=value after the URL is passed to the system (OTEL_SDK_DISABLED=true,
# LOG_LEVEL=silent, …). Needs the spec's ports free; stops the system it started.
set -euo pipefail
url=${1:?usage: cpu-per-request.sh URL [VAR=value …]}
shift
root=${ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
env RATE_LIMIT_RPS=0 "$@" taskset -c 1 node tools/supervisor/dist/main.js --database-dir "$work/db" >"$work/system.log" 2>&1 &
system=$!
for _ in $(seq 1 240); do grep -q 'Microshop is up' "$work/system.log" && break; sleep 0.5; done
grep -q 'Microshop is up' "$work/system.log" || { tail -20 "$work/system.log" >&2; kill "$system"; exit 1; }
post() { curl -sf -X POST "http://127.0.0.1:5000$1" -H 'content-type: application/json' -d "$2" >/dev/null; }
post /api/users '{"name":"Bench","email":"bench@example.com"}'
post /api/products '{"name":"Laptop","price":999.99,"stock":1000000}'
sleep 5

cpu() {
  for pid in $(pgrep -P "$system"); do
    printf '%s %s %s\n' "$pid" "$(awk '{print $14 + $15}' "/proc/$pid/stat")" "$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o 'services/[a-z-]*' | cut -d/ -f2)"
  done | sort
}
body=()
[ -n "${BODY:-}" ] && body=(-b "$BODY" -H content-type=application/json)
connections=${CONNECTIONS:-20}
[ "${WARMUP:-3}" -gt 0 ] && taskset -c 0 node node_modules/.bin/autocannon -c $((connections < 5 ? connections : 5)) -d "${WARMUP:-3}" -m "${METHOD:-GET}" "${body[@]}" "$url" >/dev/null 2>&1
sleep 1
cpu >"$work/before"
supervisor_before=$(awk '{print $14 + $15}' "/proc/$system/stat")
taskset -c 0 node node_modules/.bin/autocannon -j -c "${CONNECTIONS:-20}" -d "${DURATION:-10}" -m "${METHOD:-GET}" "${body[@]}" "$url" >"$work/load.json" 2>/dev/null
cpu >"$work/after"
supervisor_after=$(awk '{print $14 + $15}' "/proc/$system/stat")
read -r requests failed < <(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.requests.total, r.non2xx + r.errors)' "$work/load.json")
ticks=$(getconf CLK_TCK)

echo "${METHOD:-GET} $url: $requests requests, $failed failed, ${CONNECTIONS:-20} connections, ${DURATION:-10} s"
join "$work/before" "$work/after" | awk -v n="$requests" -v hz="$ticks" '
  { ms = ($4 - $2) * 1000 / hz; total += ms; printf "  %-18s %7.3f CPU ms/request\n", $3, ms / n }
  END { printf "  %-18s %7.3f CPU ms/request\n", "all processes", total / n }'
awk -v n="$requests" -v hz="$ticks" -v a="$supervisor_before" -v b="$supervisor_after" \
  'BEGIN { printf "  %-18s %7.3f CPU ms/request (relaying the processes'"'"' log lines; not in the total)\n", "supervisor", (b - a) * 1000 / hz / n }'
kill -TERM "$system"
wait "$system" 2>/dev/null || true
