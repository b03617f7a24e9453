#!/usr/bin/env bash
# A throwaway PostgreSQL server from Debian's binaries (/usr/lib/postgresql/<ver>/bin), for
# integration tests and benchmarks. Durability settings stay at Postgres defaults (fsync on).
#   scripts/pg-throwaway.sh start <dir> <port>   prints the connection URL on stdout
#   scripts/pg-throwaway.sh stop <dir>
#   scripts/pg-throwaway.sh crash <dir>          immediate shutdown (no checkpoint: crash recovery at the next start)
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}
port=${3:-15440}

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for v in 17 16 15 14; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir="/usr/lib/postgresql/$v/bin"; break; fi
  done
fi
if [ -z "$bindir" ]; then
  echo "no PostgreSQL server binaries found (apt-get install postgresql)" >&2
  exit 3
fi

# initdb and postgres refuse to run as root: use the postgres system user then.
run() {
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      run "'$bindir/initdb' -D '$dir' -U postgres --auth=trust -E UTF8 --no-instructions" >/dev/null
    fi
    run "'$bindir/pg_ctl' -D '$dir' -l '$dir/server.log' -w -t 60 \
      -o \"-p $port -k '$dir' -h 127.0.0.1 -c shared_buffers=256MB -c max_connections=200 -c max_wal_size=2GB\" start" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/postmaster.pid" ]; then run "'$bindir/pg_ctl' -D '$dir' -m fast -w stop" >/dev/null; fi
    ;;
  crash)
    if [ -f "$dir/postmaster.pid" ]; then run "'$bindir/pg_ctl' -D '$dir' -m immediate -w stop" >/dev/null; fi
    ;;
  *)
    echo "usage: $0 start|stop|crash <dir> [port]" >&2
    exit 2
    ;;
esac
