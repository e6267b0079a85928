#!/usr/bin/env bash
# Declares the public API of every package under src/: builds, takes each public symbol the PublicAPI analyzer reports as
# undeclared (RS0016) and appends it to that package's PublicAPI.Unshipped.txt, until the build reports none. Review the
# diff: a line you did not mean to make public is a symbol to make internal instead.
#   eng/public-api.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for round in 1 2 3 4 5 6 7 8; do
  log="$(mktemp)"
  dotnet build Sagas.sln -v q -nologo -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true
  found="$(grep -o "RS0016: Symbol '.*' is not part of the declared public API.*\[.*\.csproj\]" "$log" | sort -u || true)"
  rm -f "$log"
  if [ -z "$found" ]; then
    echo "== public API declared (round $round)"
    exit 0
  fi
  while IFS= read -r line; do
    symbol="$(sed -E "s/^RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/" <<<"$line")"
    project="$(sed -E 's/.*\[(.*\.csproj)\]$/\1/' <<<"$line")"
    file="$(dirname "$project")/PublicAPI.Unshipped.txt"
    grep -qxF -- "$symbol" "$file" || printf '%s\n' "$symbol" >>"$file"
  done <<<"$found"
  for file in src/*/PublicAPI.Unshipped.txt; do
    { head -1 "$file"; tail -n +2 "$file" | LC_ALL=C sort -u; } >"$file.tmp" && mv "$file.tmp" "$file"
  done
  echo "== round $round: $(wc -l <<<"$found") symbol(s) declared"
done
echo "public API still undeclared after 8 rounds" >&2
exit 1
