#!/usr/bin/env bash
# Installs and starts a local PostgreSQL for mini-orm's PostgreSQL tests, on a
# fresh Debian/Ubuntu machine, as root. Listens on 127.0.0.1 only.
# The last line of stdout is the MINI_ORM_PG_URL value; everything else goes
# to stderr. Safe to run twice (reuses the cluster, role and database).
#
#   export MINI_ORM_PG_URL="$(.ci/postgres.sh | tail -n1)"
set -euo pipefail

PGUSER_NAME=mini_orm
PGDB_NAME=mini_orm_test
PGPASS=mini_orm
PORT=5432

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing postgresql"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
fi

# The Debian packaging creates one cluster per major version ("main").
VERSION="$(ls /etc/postgresql | sort -V | tail -n1)"
CONF="/etc/postgresql/${VERSION}/main/postgresql.conf"
log "cluster ${VERSION}/main"

# Loopback only, the fixed port, and local password auth over TCP.
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$CONF"
sed -i "s/^#\?port = .*/port = ${PORT}/" "$CONF"

# Start (containers have no systemd; pg_ctlcluster works without it).
if ! pg_ctlcluster "$VERSION" main status >/dev/null 2>&1; then
    pg_ctlcluster "$VERSION" main start >&2
else
    pg_ctlcluster "$VERSION" main restart >&2
fi

for _ in $(seq 1 50); do
    if su postgres -c "pg_isready -h 127.0.0.1 -p ${PORT}" >/dev/null 2>&1; then break; fi
    sleep 0.2
done
su postgres -c "pg_isready -h 127.0.0.1 -p ${PORT}" >&2

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -p ${PORT} -tAc \"$1\""; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '${PGUSER_NAME}'")" != "1" ]; then
    psql_admin "CREATE ROLE ${PGUSER_NAME} LOGIN PASSWORD '${PGPASS}'" >&2
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '${PGDB_NAME}'")" != "1" ]; then
    psql_admin "CREATE DATABASE ${PGDB_NAME} OWNER ${PGUSER_NAME}" >&2
fi

echo "postgres://${PGUSER_NAME}:${PGPASS}@127.0.0.1:${PORT}/${PGDB_NAME}"
