#!/usr/bin/env bash
# The memory of a running system, per process: resident (RSS), proportional (PSS: each shared page
# divided among the processes sharing it), the clean shared pages (mostly the node binary's code,
# the same pages in every process) and the private dirty ones (the heap and everything the process
# wrote). A sum of RSS counts the shared pages once per process; a sum of PSS counts them once.
#
#   npm start                              # in another terminal, then load it
#   tools/bench/profile/memory.sh          # every Microshop process running on this machine
#
# Reads /proc/<pid>/smaps_rollup (Linux 4.14 and later) of each process running a
# services/<name>/dist/main.js; "the five" are the gateway and the four services.
set -euo pipefail
rows=$(for pid in $(pgrep -f 'services/[a-z-]+/dist/main\.js' || true); do
  name=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -oE 'services/[a-z-]+/dist/main\.js' | cut -d/ -f2) || continue
  [ -r "/proc/$pid/smaps_rollup" ] || continue
  awk -v name="$name" '
    /^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 } /^Shared_Clean:/ { shared = $2 } /^Private_Dirty:/ { dirty = $2 }
    END { printf "%-20s %9.1f %9.1f %13.1f %14.1f\n", name, rss / 1024, pss / 1024, shared / 1024, dirty / 1024 }' "/proc/$pid/smaps_rollup"
done | sort)
[ -n "$rows" ] || { echo "no Microshop process is running" >&2; exit 1; }
printf '%-20s %9s %9s %13s %14s\n' process 'RSS MiB' 'PSS MiB' 'shared clean' 'private dirty'
echo "$rows"
echo "$rows" | awk '
  $1 ~ /^(gateway|user-service|product-service|order-service|payment-service)$/ { rss += $2; pss += $3; n++ }
  END { if (n) printf "%-20s %9.1f %9.1f   (%d processes)\n", "the five", rss, pss, n }'
