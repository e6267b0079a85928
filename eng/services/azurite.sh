#!/usr/bin/env bash
# A private, throwaway Azure Storage Queue endpoint (Azurite, queue service only, in memory) on 127.0.0.1 for tests,
# samples and benchmarks.
#   eng/services/azurite.sh start DIR   prints the connection string (devstoreaccount1, QueueEndpoint=...); PID in DIR/pid
#   eng/services/azurite.sh stop DIR
# Azurite is installed once with npm into a cache folder (SAGAS_CACHE, default ~/.cache/sagas) and runs on the machine's
# Node (20 is enough). --skipApiVersionCheck: Azure.Storage.Queues 12.28.1 sends an API version newer than Azurite knows.
# The port is picked by the kernel (--queuePort 0, no race with other processes for a "free" port) and read from
# Azurite's start-up line.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}

azurite_version=3.37.0
cache="${SAGAS_CACHE:-$HOME/.cache/sagas}/azurite-$azurite_version"
bin="$cache/node_modules/azurite/dist/src/queue/main.js"

install() {
  if [ -f "$bin" ]; then return; fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "azurite.sh: Node.js not found: installing it from Debian" >&2
    bash "$(dirname "$0")/apt-install.sh" nodejs npm
  fi
  mkdir -p "$(dirname "$cache")"
  # One installer at a time (eng/test.sh and a developer may start it together); the other waits and reuses it.
  exec 9>"$cache.lock"
  flock 9
  if [ ! -f "$bin" ]; then
    echo "azurite.sh: installing azurite@$azurite_version into $cache" >&2
    rm -rf "$cache.partial"
    mkdir -p "$cache.partial"
    npm install --prefix "$cache.partial" --no-audit --no-fund --no-save --loglevel=error "azurite@$azurite_version" >&2
    rm -rf "$cache"
    mv "$cache.partial" "$cache"
  fi
  flock -u 9
}

# The well-known development account of the storage emulators (public, documented; not a secret).
account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

case "$cmd" in
  start)
    install
    mkdir -p "$dir"
    # Azurite writes a debug log and metadata files into its working directory: keep them in DIR.
    (cd "$dir" && exec node "$bin" --queueHost 127.0.0.1 --queuePort 0 --inMemoryPersistence --disableTelemetry \
      --silent --loose --skipApiVersionCheck </dev/null >"$dir/server.log" 2>&1) &
    echo $! >"$dir/pid"
    port=
    for _ in $(seq 1 300); do
      port=$(sed -n 's#.*successfully listens on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$dir/server.log" | head -n1)
      if [ -n "$port" ]; then break; fi
      if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        echo "azurite.sh: Azurite exited before listening:" >&2; cat "$dir/server.log" >&2; exit 1
      fi
      sleep 0.05
    done
    [ -n "$port" ] || { echo "azurite.sh: Azurite did not listen within 15 s" >&2; cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    # Answers: any HTTP status (an unsigned request gets 403) means the queue service is up.
    for _ in $(seq 1 50); do
      if node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then(() => process.exit(0), () => process.exit(1))' \
        "http://127.0.0.1:$port/$account?comp=list" >/dev/null 2>&1; then
        echo "DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;QueueEndpoint=http://127.0.0.1:$port/$account;"
        exit 0
      fi
      sleep 0.1
    done
    echo "azurite.sh: http://127.0.0.1:$port does not answer" >&2; cat "$dir/server.log" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      pid=$(cat "$dir/pid")
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
