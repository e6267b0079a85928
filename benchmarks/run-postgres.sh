#!/usr/bin/env bash
# Durable benchmark: starts a private PostgreSQL cluster with default durability (fsync and synchronous_commit
# on), runs the checkout shape on it, stops it. Usage: benchmarks/run-postgres.sh [--orders N] [--in-flight N] [--group-window MS] [--revision-cache N] [--json]
# With --wolverine [--rounds N] [--parallel N]: the same shape on Sagas and on Wolverine + Marten (benchmarks/Wolverine.Benchmarks), a fresh
# process per round, in turns on the one cluster, and each side's median.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mktemp -d /tmp/sagas-bench.XXXXXX)"; chmod 755 "$dir"
trap 'bash "$root/eng/services/postgres.sh" stop "$dir/pg" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cs="$(bash "$root/eng/services/postgres.sh" start "$dir/pg")"
args=()
for arg in "$@"; do
  if [[ "$arg" == "--wolverine" ]]; then
    dotnet build -c Release "$root/benchmarks/Wolverine.Benchmarks" -v q -nologo >/dev/null
    args+=(--wolverine "$root/benchmarks/Wolverine.Benchmarks/bin/Release/net10.0/Wolverine.Benchmarks.dll")
  else
    args+=("$arg")
  fi
done
dotnet run -c Release --project "$root/benchmarks/Sagas.Benchmarks" -- --postgres "$cs" "${args[@]}"
