#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for tests, CI and benches (docs/engines.md).
#
#   scripts/engines/postgres.sh start DIR   initdb into DIR/data when absent (trust auth), start
#                                           the server on 127.0.0.1 (a free port, kept in
#                                           DIR/port so a restart after kill -9 reuses it) and a
#                                           unix socket in DIR; prints the connection facts as
#                                           KEY=value lines (PGHOST PGPORT PGUSER PGDATABASE
#                                           DATABASE_URL PG_PID)
#   ENGINE_OWNER_PID=PID: stop it when that process ends, however it ends (a test file killed
#   with -9 leaves no engine behind)
#   scripts/engines/postgres.sh stop DIR    stops it (fast shutdown); DIR is left to the caller
#
# Binaries from Debian's postgresql-15 (PG_BIN overrides /usr/lib/postgresql/15/bin). As
# root the server runs as the `postgres` user (initdb refuses root); otherwise as the caller.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}


self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
# shellcheck source=engine-common.sh
. "$(dirname "$self")/engine-common.sh"

case $cmd in
start)
  [ -x "$PG_BIN/postgres" ] || { echo "postgres.sh: no PostgreSQL in $PG_BIN (apt-get install postgresql-15)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    # The server must reach DIR: open the way through parents that only root may enter.
    p=$dir
    while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # A restart keeps its port; a first start takes a free one (retried if another took it).
  for attempt in 1 2 3 4 5; do
    if [ -f "$dir/data/postmaster.pid" ]; then
      if alive "$(head -n 1 "$dir/data/postmaster.pid")"; then port=$(cat "$dir/port"); break; fi
      rm -f "$dir/data/postmaster.pid"   # left by a server killed with -9
    fi
    [ -f "$dir/port" ] || free_port >"$dir/port"
    port=$(cat "$dir/port")
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null 2>&1; then
      break
    fi
    if [ "$attempt" = 5 ]; then tail -n 20 "$dir/server.log" >&2; exit 1; fi
    # Port taken, or backends of a killed server still hold its shared memory: wait, retry.
    if grep -q 'could not bind' "$dir/server.log" 2>/dev/null && [ ! -f "$dir/data/postmaster.pid" ]; then rm -f "$dir/port"; fi
    sleep 1
  done
  watch_owner
  echo "PGHOST=127.0.0.1"
  echo "PGPORT=$port"
  echo "PGUSER=postgres"
  echo "PGDATABASE=postgres"
  echo "PGSOCKETDIR=$dir"
  echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$port/postgres"
  echo "PG_PID=$(head -n 1 "$dir/data/postmaster.pid")"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] && alive "$(head -n 1 "$dir/data/postmaster.pid")" || exit 0
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  ;;
*) usage ;;
esac
