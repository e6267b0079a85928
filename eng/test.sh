#!/usr/bin/env bash
# Runs every test of the repository on a fresh Debian machine with the .NET SDK.
# Installs and starts what the tests need (private servers on 127.0.0.1) and stops them afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

services="$(mktemp -d /tmp/sagas-services.XXXXXX)"
chmod 755 "$services"
cleanup() {
  bash "$root/eng/services/postgres.sh" stop "$services/postgres" >/dev/null 2>&1 || true
  if [ -n "${sqs_pid:-}" ]; then wait "$sqs_pid" 2>/dev/null || true; fi # a start still installing would leave a server behind
  bash "$root/eng/services/fauxqs.sh" stop "$services/fauxqs" >/dev/null 2>&1 || true
  if [ -n "${azurite_pid:-}" ]; then wait "$azurite_pid" 2>/dev/null || true; fi # likewise for Azurite
  bash "$root/eng/services/azurite.sh" stop "$services/azurite" >/dev/null 2>&1 || true
  if [ -n "${rabbitmq_pid:-}" ]; then wait "$rabbitmq_pid" 2>/dev/null || true; fi # likewise for RabbitMQ
  bash "$root/eng/services/rabbitmq.sh" stop "$services/rabbitmq" >/dev/null 2>&1 || true
  rm -rf "$services"
}
trap cleanup EXIT

echo "== start PostgreSQL (private cluster on 127.0.0.1), fauxqs (SQS on 127.0.0.1), Azurite (Storage Queues on 127.0.0.1) and RabbitMQ (private node on 127.0.0.1), install Chromium if missing, restore meanwhile"
bash "$root/eng/services/postgres.sh" start "$services/postgres" --fast >"$services/postgres.cs" 2>"$services/postgres.err" &
pg_pid=$!
bash "$root/eng/services/fauxqs.sh" start "$services/fauxqs" >"$services/fauxqs.url" 2>"$services/fauxqs.err" &
sqs_pid=$!
bash "$root/eng/services/azurite.sh" start "$services/azurite" >"$services/azurite.cs" 2>"$services/azurite.err" &
azurite_pid=$!
bash "$root/eng/services/rabbitmq.sh" start "$services/rabbitmq" >"$services/rabbitmq.url" 2>"$services/rabbitmq.err" &
rabbitmq_pid=$!
# The inspector's page tests drive a real headless Chromium through its driver (Debian's packages).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  bash "$root/eng/services/apt-install.sh" chromium chromium-driver >"$services/chromium.log" 2>&1 &
  chromium_pid=$!
fi
dotnet restore Sagas.sln
if [ -n "${chromium_pid:-}" ] && ! wait "$chromium_pid"; then
  echo "Chromium and its driver did not install:" >&2
  cat "$services/chromium.log" >&2
  exit 1
fi
if ! wait "$pg_pid"; then
  cat "$services/postgres.err" >&2
  exit 1
fi
export SAGAS_TEST_POSTGRES="$(cat "$services/postgres.cs")"
echo "PostgreSQL: $SAGAS_TEST_POSTGRES"
if ! wait "$sqs_pid"; then
  cat "$services/fauxqs.err" >&2
  exit 1
fi
export SAGAS_TEST_SQS="$(cat "$services/fauxqs.url")"
echo "fauxqs: $SAGAS_TEST_SQS"
if ! wait "$azurite_pid"; then
  cat "$services/azurite.err" >&2
  exit 1
fi
export SAGAS_TEST_AZURITE="$(cat "$services/azurite.cs")"
echo "Azurite: $(sed 's/AccountKey=[^;]*;/AccountKey=...;/' "$services/azurite.cs")"
if ! wait "$rabbitmq_pid"; then
  cat "$services/rabbitmq.err" >&2
  exit 1
fi
export SAGAS_TEST_RABBITMQ="$(cat "$services/rabbitmq.url")"
echo "RabbitMQ: $SAGAS_TEST_RABBITMQ"
# One virtual host per test assembly that uses the broker: assemblies run in parallel and share queue names.
for vhost in sagas-rabbitmq-tests checkout-e2e; do
  bash "$root/eng/services/rabbitmq.sh" ctl "$services/rabbitmq" add_vhost "$vhost" >/dev/null
  bash "$root/eng/services/rabbitmq.sh" ctl "$services/rabbitmq" set_permissions -p "$vhost" guest ".*" ".*" ".*" >/dev/null
done

echo "== Node.js CloudEvents SDK for the polyglot test"
export SAGAS_TEST_NODE_MODULES="$(bash "$root/eng/services/node-cloudevents.sh")"

echo "== build (warnings are errors)"
dotnet build Sagas.sln -c Release --no-restore

echo "== the function host published with Native AOT (its specs run it beside the JIT build)"
# Native AOT links with the platform's C toolchain against zlib (Debian: clang or gcc, and zlib1g-dev).
if ! { command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1; } || [ ! -e /usr/include/zlib.h ]; then
  bash "$root/eng/services/apt-install.sh" clang zlib1g-dev >"$services/native-toolchain.log" 2>&1
fi
# Warnings are not errors here: the libraries' reflection fallbacks are reported by the trim analysis; the specs prove
# that the host does not reach them.
if ! dotnet publish samples/Checkout.FunctionHost -c Release -r linux-x64 -p:PublishAot=true -p:TreatWarningsAsErrors=false \
    -o "$services/native-function-host" -v q -nologo >"$services/native-function-host.log" 2>&1; then
  cat "$services/native-function-host.log" >&2
  exit 1
fi
export SAGAS_TEST_NATIVE_FUNCTION_HOST="$services/native-function-host/Checkout.FunctionHost"

echo "== test"
log="$(mktemp)"
set +e
dotnet test Sagas.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

sum() { grep -oE "$1: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
passed=$(sum Passed); failed=$(sum Failed); skipped=$(sum Skipped)
rm -f "$log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi

# The short soak: the checkout as separate processes under every fault once (eng/soak.sh starts its own servers; the
# ones above are stopped first, so the soak has the machine to itself).
cleanup
trap - EXIT
echo "== soak: 300 orders, every fault once (workers and function host killed, PostgreSQL and RabbitMQ restarted, RabbitMQ wiped)"
set +e
bash "$root/eng/soak.sh" --orders 300 --empty-broker
soak=$?
set -e
if [ "$status" -ne 0 ] || [ "$soak" -ne 0 ]; then
  echo "tests: exit $status; soak: exit $soak" >&2
  exit 1
fi
