#!/usr/bin/env bash
# Catalog benchmark: starts a private PostgreSQL cluster, fills the checkout's saga table with --sagas documents of mixed
# states (default 1,000,000) and times the inspector's pages (first and deep, per filter), a saga's detail and the counts.
# Usage: benchmarks/run-catalog.sh [--sagas N] [--runs N] [--json]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mktemp -d /tmp/sagas-catalog.XXXXXX)"; chmod 755 "$dir"
trap 'bash "$root/eng/services/postgres.sh" stop "$dir/pg" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cs="$(bash "$root/eng/services/postgres.sh" start "$dir/pg")"
dotnet run -c Release --project "$root/benchmarks/Sagas.Benchmarks" -- --catalog "$cs" "$@"
