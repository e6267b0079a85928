#!/usr/bin/env bash
# Installs the official CloudEvents SDK for Node.js (npm "cloudevents") into a cache folder and prints the
# node_modules path, for the polyglot test (a saga step served by a Node.js function).
#   eng/services/node-cloudevents.sh [CACHE_DIR]
set -euo pipefail
cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sagas/node-cloudevents}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js not found: installing it from Debian" >&2
  bash "$(dirname "$0")/apt-install.sh" nodejs npm
fi
if [ ! -f "$cache/node_modules/cloudevents/package.json" ]; then
  mkdir -p "$cache"
  npm install --silent --no-audit --no-fund --prefix "$cache" cloudevents@10.0.0 >&2
fi
echo "$cache/node_modules"
