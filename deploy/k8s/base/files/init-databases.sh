#!/usr/bin/env bash
# Creates one database and one login role per Microshop service, on the first start of an empty
# PostgreSQL data directory (the official image runs /docker-entrypoint-initdb.d/*.sh then, and never
# again). The source of truth is each service's own connection URL, given to this container as
# <SERVICE>_DATABASE_URL (USER_SERVICE_DATABASE_URL=postgres://users:<password>@postgres:5432/users,
# and likewise for product, order, payment and the payment provider): the role is the URL's user,
# with the URL's password, and owns the database named by the URL's path. The services receive the
# same URL as DATABASE_URL, so the two can never disagree. Passwords must be URL-safe
# (letters, digits, `-`, `_`, `.`, `~`); a URL that is not of this shape stops the initialisation.
#
# Used by deploy/compose.yaml (mounted) and by the Kubernetes StatefulSet (deploy/k8s/base/files holds
# a copy that a test keeps identical: kustomize reads files only below its kustomization).
set -euo pipefail

found=0
while IFS='=' read -r variable _; do
  url="${!variable}"
  if [[ ! "$url" =~ ^postgres(ql)?://([a-z_][a-z0-9_]*):([A-Za-z0-9._~-]+)@[A-Za-z0-9.-]+(:[0-9]+)?/([a-z_][a-z0-9_]*)$ ]]; then
    echo "init-databases: $variable is not postgres://<role>:<password>@<host>[:port]/<database>" >&2
    exit 1
  fi
  role="${BASH_REMATCH[2]}"
  password="${BASH_REMATCH[3]}"
  database="${BASH_REMATCH[5]}"
  echo "init-databases: role ${role} owning database ${database} (from ${variable})"
  # psql variables (:'x' quotes a literal, :"x" an identifier): nothing is spliced into SQL by hand.
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v role="$role" -v password="$password" -v database="$database" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \gexec
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL
  found=$((found + 1))
done < <(env | grep -E '^[A-Z_]+_DATABASE_URL=' | sort)

if [ "$found" -eq 0 ]; then
  echo "init-databases: no <SERVICE>_DATABASE_URL variable: no service database created" >&2
  exit 1
fi
echo "init-databases: ${found} service databases ready"
