#!/usr/bin/env sh
# Starts every Microshop process on this machine: the spec's ./start.sh, the same as `npm start`.
# Installs (and thereby builds) first when dependencies are missing. Options pass through to the
# supervisor: ./start.sh --help
set -eu
root="$(cd "$(dirname "$0")" && pwd)"

if [ ! -d "$root/node_modules" ]; then
  echo "Installing dependencies (first run): npm install"
  (cd "$root" && npm install)
fi

# --prefix keeps the caller's directory, so relative paths such as --database-dir resolve from it.
exec npm --prefix "$root" start -- "$@"
