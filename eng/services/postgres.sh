#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster on 127.0.0.1 for tests, samples and benchmarks.
#   eng/services/postgres.sh start DIR [--fast]   prints the connection string; --fast turns fsync off (functional tests only)
#   eng/services/postgres.sh restart DIR [--immediate]   stops the server (--immediate: as in a crash, no checkpoint) and starts
#                                                        it again on the same port and data; sleeps RESTART_DOWNTIME seconds between
#   eng/services/postgres.sh stop DIR
# Installs PostgreSQL from Debian when it is missing. initdb refuses to run as root, so the cluster runs as
# the 'postgres' system user on a directory it owns.
set -euo pipefail
cmd=${1:?start|restart|stop}
dir=${2:?data directory}

find_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bin" ]; then
    echo "PostgreSQL not found: installing it from Debian" >&2
    bash "$(dirname "$0")/apt-install.sh" postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  echo "$bin"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    bin=$(find_bin)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1
    port=$(free_port)
    opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
    if [ "${3:-}" = "--fast" ]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$opts" start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres sagas
    echo "$port" >"$dir/port"
    echo "$opts" >"$dir/opts"
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=sagas;Pooling=true;Maximum Pool Size=100"
    ;;
  restart)
    bin=$(find_bin)
    mode=fast
    if [ "${3:-}" = "--immediate" ]; then mode=immediate; fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null
    sleep "${RESTART_DOWNTIME:-0}"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$(cat "$dir/opts")" start >/dev/null
    ;;
  stop)
    bin=$(find_bin)
    if [ -f "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start DIR [--fast] | restart DIR [--immediate] | stop DIR" >&2; exit 2 ;;
esac
