#!/usr/bin/env bash
# `npm start`: the whole hub on one machine with its embedded defaults — the local Kafka broker
# (unless KAFKA_BROKERS is set) and PGlite (unless DATABASE_URL is set). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
# the project's own Node.js (the `node` devDependency), also when this script is run without npm
export PATH="$PWD/node_modules/.bin:$PATH"

started_broker=""
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  if ! bash docker/kafka-local/kafka.sh status; then
    bash docker/kafka-local/kafka.sh start
    started_broker=1
  fi
  export KAFKA_BROKERS=127.0.0.1:${LGSP_KAFKA_PORT:-9092}
  if [[ "${LGSP_KAFKA_SASL:-0}" == 1 ]]; then
    # Each service authenticates as its own principal (lgsp-ingest, lgsp-dossier, ...), its password
    # taken from the development credential file; never do this outside development.
    export KAFKA_SECURITY=sasl_plaintext
    export KAFKA_SASL_CREDENTIALS_FILE="${KAFKA_SASL_CREDENTIALS_FILE:-$PWD/config/kafka-credentials.dev.json}"
  else
    # The local broker without LGSP_KAFKA_SASL=1 has no authentication: say so explicitly.
    export KAFKA_SECURITY=plaintext
  fi
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "$started_broker" && -z "${LGSP_KEEP_BROKER:-}" ]]; then bash docker/kafka-local/kafka.sh stop; fi
}
trap cleanup INT TERM EXIT

wait_for() {
  local url=$1 name=$2
  for _ in $(seq 1 120); do
    if curl -fs "$url" >/dev/null 2>&1; then return 0; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "$name failed to start" >&2; exit 1; }; done
    sleep 0.5
  done
  echo "$name did not become ready" >&2
  exit 1
}

# Each service is started as node itself (not through npm), so the pids are the services' own and
# stopping this script (Ctrl-C, or SIGTERM from a supervisor) stops them all.
start_app() {
  node -r ts-node/register/transpile-only -r tsconfig-paths/register "apps/$1/main.ts" &
  pids+=($!)
}
start_app ingest
wait_for "http://127.0.0.1:${INGEST_PORT:-3000}/health/live" ingest
start_app dossier
wait_for "http://127.0.0.1:${DOSSIER_PORT:-3001}/health/live" dossier
start_app land
wait_for "http://127.0.0.1:${LAND_PORT:-3002}/health/live" land
start_app health
wait_for "http://127.0.0.1:${HEALTH_PORT:-3003}/health/live" health
start_app gateway
wait_for "http://127.0.0.1:${GATEWAY_PORT:-4000}/health/live" gateway
start_app admin
wait_for "http://127.0.0.1:${ADMIN_PORT:-3100}/health/live" admin

cat >&2 <<MSG

lgsp-hub is up (Ctrl-C stops it)
  publish  POST http://127.0.0.1:${INGEST_PORT:-3000}/events      OpenAPI: http://127.0.0.1:${INGEST_PORT:-3000}/openapi.json
  query    POST http://127.0.0.1:${GATEWAY_PORT:-4000}/graphql     GraphiQL: http://127.0.0.1:${GATEWAY_PORT:-4000}/graphiql
  demo     npm run demo   (publishes sample dossiers)
  operate  KAFKA_SECURITY=${KAFKA_SECURITY:-} LGSP_API_KEY=dev-operator-key npm run -s lgsp -- --help      admin API: http://127.0.0.1:${ADMIN_PORT:-3100}/admin/topics
MSG
if [[ "${KAFKA_SECURITY:-}" != plaintext ]]; then
  cat >&2 <<MSG
           (the CLI authenticates to Kafka as lgsp-operator: KAFKA_SASL_CREDENTIALS_FILE=${KAFKA_SASL_CREDENTIALS_FILE:-<file>})
MSG
fi
echo >&2
wait -n "${pids[@]}"
