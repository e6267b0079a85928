#!/usr/bin/env bash
# The soak of the multi-process checkout under faults: starts its own PostgreSQL cluster (durable: fsync on) and RabbitMQ
# node on 127.0.0.1, the function host, R worker replicas competing on the same queues and the API; submits N orders of
# the sample mix through the API (some POSTed twice) while it SIGKILLs workers and the function host, restarts PostgreSQL
# as in a crash and restarts RabbitMQ (with --empty-broker also a node that comes back empty); waits, bounded, and checks
# from the outside: every order in the terminal state its data implies, none lost, no step done twice, one invoice and
# one email per order past the pivot, no temporary files, no message in an error queue, every service alive.
# Ends with "N passed, M failed" and a JSON summary; exits non-zero when a check failed. Cleans up what it started.
#   eng/soak.sh [--orders N] [--replicas R] [--in-flight K] [--duplicates F] [--faults LIST] [--empty-broker]
#               [--drain-timeout S] [--json FILE] [--keep]
# Defaults: 300 orders, 2 replicas, 32 in flight, 10 % POSTed twice, every fault once (below 2,000 orders; above,
# workers killed 3x, the function host 2x, PostgreSQL and RabbitMQ restarted once). --keep keeps the logs and output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
args=()
keep=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

state="$(mktemp -d /tmp/sagas-soak.XXXXXX)"
chmod 755 "$state"
cleanup() {
  bash eng/services/rabbitmq.sh stop "$state/rabbitmq" >/dev/null 2>&1 || true
  bash eng/services/postgres.sh stop "$state/postgres" >/dev/null 2>&1 || true
  if [ -n "$keep" ]; then echo "== logs and output kept in $state"; else rm -rf "$state"; fi
}
trap cleanup EXIT

echo "== soak: state in $state; start PostgreSQL and RabbitMQ, build meanwhile"
bash eng/services/postgres.sh start "$state/postgres" >"$state/postgres.cs" 2>"$state/postgres.err" &
pg=$!
bash eng/services/rabbitmq.sh start "$state/rabbitmq" >"$state/rabbitmq.url" 2>"$state/rabbitmq.err" &
rabbit=$!
if ! dotnet build benchmarks/Checkout.Soak -c Release -v q -nologo >"$state/build.log" 2>&1; then
  cat "$state/build.log" >&2
  exit 1
fi
wait "$pg" || { cat "$state/postgres.err" >&2; exit 1; }
wait "$rabbit" || { cat "$state/rabbitmq.err" >&2; exit 1; }
# Four processes share the cluster: keep each one's pool well inside max_connections.
postgres="$(sed 's/Maximum Pool Size=[0-9]*/Maximum Pool Size=40/' "$state/postgres.cs")"

dotnet benchmarks/Checkout.Soak/bin/Release/net10.0/Checkout.Soak.dll \
  --state "$state" --postgres "$postgres" --rabbitmq "$(cat "$state/rabbitmq.url")" "${args[@]}"
