#!/usr/bin/env bash
# Starts a PostgreSQL cluster for the store tests, on 127.0.0.1 only, and prints its URL.
# Idempotent: reuses the cluster, role and database when they exist. Debian's postgresql
# package (scripts/setup-system.sh installs it). The role's password is generated once and kept
# in the cluster's directory (mode 0600); it is a test database, never the console's.
set -euo pipefail
VER="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
if [ -z "$VER" ]; then echo "pg-start: PostgreSQL is not installed (run scripts/setup-system.sh)" >&2; exit 1; fi
NAME=wardwatch
PORT="${WARDWATCH_PG_PORT:-5439}"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VER $NAME"; then
  as_pg pg_createcluster "$VER" "$NAME" -p "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  conf="/etc/postgresql/$VER/$NAME/postgresql.conf"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '/var/run/postgresql'"
    echo "fsync = off"               # test data only: speed over durability
    echo "synchronous_commit = off"
    echo "max_connections = 200"
  } >>"$conf"
fi
PORT="$(pg_lsclusters -h | awk -v v="$VER" -v n="$NAME" '$1==v && $2==n {print $3}')"
if ! pg_lsclusters -h | awk -v v="$VER" -v n="$NAME" '$1==v && $2==n {print $4}' | grep -q online; then
  if [ "$(id -u)" -eq 0 ]; then pg_ctlcluster "$VER" "$NAME" start >&2; else sudo pg_ctlcluster "$VER" "$NAME" start >&2; fi
fi
secret="/var/lib/postgresql/$VER/$NAME.test-password"
if [ ! -s "$secret" ]; then
  as_pg sh -c "umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > '$secret'"
fi
PASS="$(as_pg cat "$secret")"
for _ in $(seq 1 50); do as_pg psql -p "$PORT" -qAtc 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
as_pg psql -p "$PORT" -qAt -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wardwatch_test') THEN
    CREATE ROLE wardwatch_test LOGIN PASSWORD '$PASS';
  ELSE
    ALTER ROLE wardwatch_test PASSWORD '$PASS';
  END IF;
END \$\$;
SQL
if ! as_pg psql -p "$PORT" -qAtc "select 1 from pg_database where datname='wardwatch_test'" | grep -q 1; then
  as_pg createdb -p "$PORT" -O wardwatch_test wardwatch_test
fi
echo "postgres://wardwatch_test:$PASS@127.0.0.1:$PORT/wardwatch_test"
