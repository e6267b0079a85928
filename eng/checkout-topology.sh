#!/usr/bin/env bash
# Runs the checkout the way it is deployed, on this machine: a private PostgreSQL cluster and RabbitMQ node, the
# function host (Checkout.FunctionHost), the worker (Checkout.Worker) and the API (Checkout.Api), each its own process.
#   eng/checkout-topology.sh            start everything, print the addresses, stop everything on Ctrl-C
#   eng/checkout-topology.sh --orders N start everything, submit N orders of the sample mix through the API, report, stop
#   eng/checkout-topology.sh --orders N --rate R  the same, the orders posted at R per second (open load) instead of 64 in flight
# Ports: API 5080, worker 5081 (health only), function host 5082 (override with API_PORT, WORKER_PORT, FUNCTIONS_PORT).
# Logs and state go to a temporary directory, printed at start.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
orders=
rate=()
if [ "${1:-}" = "--orders" ]; then orders=${2:?--orders N}; fi
if [ "${3:-}" = "--rate" ]; then rate=(--rate "${4:?--rate R}"); fi
api_port=${API_PORT:-5080}
worker_port=${WORKER_PORT:-5081}
functions_port=${FUNCTIONS_PORT:-5082}

state="$(mktemp -d /tmp/checkout-topology.XXXXXX)"
chmod 755 "$state"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash eng/services/rabbitmq.sh stop "$state/rabbitmq" >/dev/null 2>&1 || true
  bash eng/services/postgres.sh stop "$state/postgres" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== state and logs in $state"
echo "== start PostgreSQL and RabbitMQ (private, 127.0.0.1), build meanwhile"
bash eng/services/postgres.sh start "$state/postgres" >"$state/postgres.cs" &
pg=$!
bash eng/services/rabbitmq.sh start "$state/rabbitmq" >"$state/rabbitmq.url" &
rabbit=$!
# Published as the images are (each service in its own folder with its appsettings.json), and ReadyToRun: the services
# start with their code compiled, so the first orders are not measured against the JIT.
for project in Checkout.Api Checkout.Worker Checkout.FunctionHost; do
  if ! dotnet publish "samples/$project" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
      -o "$state/app/$project" -v q -nologo >"$state/build.log" 2>&1; then
    cat "$state/build.log" >&2
    exit 1
  fi
done
wait "$pg"
wait "$rabbit"
export ConnectionStrings__Postgres="$(cat "$state/postgres.cs")"
export ConnectionStrings__RabbitMq="$(cat "$state/rabbitmq.url")"

run() { # name port project
  (cd "$state/app/$3" && ASPNETCORE_URLS="http://127.0.0.1:$2" exec dotnet "$3.dll") >"$state/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "http://127.0.0.1:$2/health/live" >/dev/null 2>&1; then return; fi
    sleep 0.5
  done
  echo "$1 did not start; see $state/$1.log" >&2
  tail -20 "$state/$1.log" >&2
  exit 1
}

echo "== start the function host, the worker and the API"
Checkout__OutputDirectory="$state/invoices" Checkout__PickupDirectory="$state/mail" \
  run functions "$functions_port" Checkout.FunctionHost
# The worker writes invoices to the same folder while it keeps up; they overflow to the function host while it is behind.
Checkout__FunctionsUrl="http://127.0.0.1:$functions_port" Checkout__OutputDirectory="$state/invoices" \
  run worker "$worker_port" Checkout.Worker
# The saga inspector's sign-in keys, new for each run (printed below).
export Inspector__ReaderKey="$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
export Inspector__OperatorKey="$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
run api "$api_port" Checkout.Api

cat <<INFO
Checkout is running:
  API             http://127.0.0.1:$api_port   (POST /orders, GET /orders/{id}, /health/ready)
  saga inspector  http://127.0.0.1:$api_port/sagas/   (sign in at /login: operator key $Inspector__OperatorKey, reader key $Inspector__ReaderKey)
  worker          http://127.0.0.1:$worker_port   (/health/ready)
  function host   http://127.0.0.1:$functions_port   (POST /steps, /health/ready)
  PostgreSQL      $ConnectionStrings__Postgres
  RabbitMQ        $ConnectionStrings__RabbitMq
  invoices, mail  $state/invoices, $state/mail
Try:
  curl -i -H 'Content-Type: application/json' http://127.0.0.1:$api_port/orders \\
    -d '{"customerId":"c-1","customerEmail":"c1@example.com","cardToken":"tok_visa","lines":[{"sku":"SKU-1","quantity":2,"unitPrice":9.5}]}'
INFO

if [ -z "$orders" ]; then
  echo "Ctrl-C stops everything."
  wait "${pids[@]}"
  exit 0
fi

echo "== $orders orders through the API"
dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --api "http://127.0.0.1:$api_port" --orders "$orders" "${rate[@]}"
