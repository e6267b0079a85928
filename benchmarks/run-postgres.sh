#!/usr/bin/env bash
# Durable benchmark: starts a private PostgreSQL cluster with default durability (fsync and synchronous_commit
# on), runs the checkout shape on it, stops it. Usage: benchmarks/run-postgres.sh [--orders N] [--in-flight N] [--group-window MS] [--revision-cache N] [--json]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mktemp -d /tmp/sagas-bench.XXXXXX)"; chmod 755 "$dir"
trap 'bash "$root/eng/services/postgres.sh" stop "$dir/pg" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cs="$(bash "$root/eng/services/postgres.sh" start "$dir/pg")"
dotnet run -c Release --project "$root/benchmarks/Sagas.Benchmarks" -- --postgres "$cs" "$@"
