#!/usr/bin/env bash
# `npm run build`: every app and library compiled to dist/ (dist/apps/<app>/main.js), runnable with plain
# node. tsc emits the @lgsp/* imports as they are written; tsc-alias then rewrites them to relative paths
# from the same tsconfig paths, so nothing resolves aliases at run time.
# --if-stale: build only when dist/ is missing or older than a source or build setting (npm start uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

stamp=dist/.built
if [[ "${1:-}" == --if-stale && -f "$stamp" ]]; then
  newer=$(find apps libs tsconfig.json tsconfig.build.json package-lock.json -newer "$stamp" \
    \( -name '*.ts' -o -name '*.json' \) -not -name '*.spec.ts' -not -path 'libs/testing/*' -print -quit)
  [[ -z "$newer" ]] && exit 0
  echo "[build] $newer changed since the last build" >&2
fi

# Sources saved while tsc runs are newer than the stamp, so the next --if-stale builds again.
started=$(mktemp)
trap 'rm -f "$started"' EXIT
rm -rf dist
tsc -p tsconfig.build.json
tsc-alias -p tsconfig.build.json
mv "$started" "$stamp"
