#!/usr/bin/env bash
# Installs and starts a local MariaDB for mini-orm's MySQL/MariaDB tests, on a
# fresh Debian/Ubuntu machine, as root. Its own server, not the system one:
# a data directory under /tmp, listening on 127.0.0.1:${PORT} only, run as
# the unprivileged `mysql` user the package creates.
# The last line of stdout is the MINI_ORM_MYSQL_URL value; everything else
# goes to stderr. Safe to run twice: a server already answering on the port
# is reused, an existing data directory is started rather than recreated.
#
#   export MINI_ORM_MYSQL_URL="$(.ci/mariadb.sh | tail -n1)"
set -euo pipefail

DB_USER=mini_orm
DB_NAME=mini_orm_test
DB_PASS=mini_orm
# Not 3306, so a system MariaDB/MySQL on the default port is left alone.
PORT=3307
DATADIR=/tmp/mini-orm-mariadb
SOCKET="${DATADIR}/mariadb.sock"

log() { echo "mariadb.sh: $*" >&2; }

if ! command -v mariadbd >/dev/null 2>&1; then
    log "installing mariadb-server"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client >&2
fi

# Root over the server's own socket: the data directory is created with
# unix_socket authentication for root, so no password is involved.
admin() { mariadb --protocol=socket --socket="$SOCKET" -u root -N -B -e "$1"; }

if ! admin "SELECT 1" >/dev/null 2>&1; then
    if [ ! -d "${DATADIR}/mysql" ]; then
        log "creating data directory ${DATADIR}"
        rm -rf "$DATADIR"
        mkdir -p "$DATADIR"
        chown mysql:mysql "$DATADIR"
        mariadb-install-db --user=mysql --datadir="$DATADIR" \
            --auth-root-authentication-method=socket --skip-test-db >&2
    fi
    log "starting mariadbd on 127.0.0.1:${PORT}"
    # setsid + nohup: the server outlives this script (cargo test runs
    # after it); its log stays in the data directory.
    setsid nohup mariadbd --user=mysql --datadir="$DATADIR" \
        --bind-address=127.0.0.1 --port="$PORT" --socket="$SOCKET" \
        --pid-file="${DATADIR}/mariadbd.pid" --log-error="${DATADIR}/error.log" \
        --skip-name-resolve --innodb-buffer-pool-size=64M \
        </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 100); do
        if admin "SELECT 1" >/dev/null 2>&1; then break; fi
        sleep 0.1
    done
    if ! admin "SELECT 1" >/dev/null 2>&1; then
        log "server did not start; its log:"
        tail -n 30 "${DATADIR}/error.log" >&2 || true
        exit 1
    fi
fi
log "server $(admin "SELECT VERSION()") ready"

# The tests make one database per test (mini_orm_test_<pid>_<n>) and drop
# it afterwards, so the user may create any database under that prefix.
admin "CREATE USER IF NOT EXISTS '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${DB_PASS}';
       CREATE DATABASE IF NOT EXISTS ${DB_NAME};
       GRANT ALL PRIVILEGES ON \`mini\_orm\_test%\`.* TO '${DB_USER}'@'127.0.0.1';" >&2

echo "mysql://${DB_USER}:${DB_PASS}@127.0.0.1:${PORT}/${DB_NAME}"
