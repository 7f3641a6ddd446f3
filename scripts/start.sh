#!/usr/bin/env bash
# `npm start`: the whole hub on one machine with its embedded defaults — the local Kafka broker
# (unless KAFKA_BROKERS is set) and PGlite (unless DATABASE_URL is set) — running the compiled code
# (dist/, built first when a source is newer). Ctrl-C stops everything.
# Every service runs in one Node process (apps/hub); LGSP_PROCESSES=separate runs one process each.
set -euo pipefail
cd "$(dirname "$0")/.."
# the project's own Node.js (the `node` devDependency), also when this script is run without npm
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/build.sh --if-stale

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

# A young generation of at most 3 x 8 MB: V8 sizes it from the machine's memory otherwise, some 100 MB
# more per process for an idle hub. The caller's NODE_OPTIONS come after, so they win.
export NODE_OPTIONS="--max-semi-space-size=8${NODE_OPTIONS:+ $NODE_OPTIONS}"

# Each service is started as node itself (not through npm), so the pids are the services' own and
# stopping this script (Ctrl-C, or SIGTERM from a supervisor) stops them all.
start_app() {
  if [[ "$1" == national-bridge && -n "$national_sim" ]]; then
    # its own process syncs to the simulator with the simulator's account (the one-process hub does the same)
    LGSP_DVCQG_URL="http://127.0.0.1:${NATIONAL_SIM_PORT:-3200}" \
      LGSP_DVCQG_USERNAME="${NATIONAL_SIM_USERNAME:-lgsp-dev}" LGSP_DVCQG_PASSWORD="${NATIONAL_SIM_PASSWORD:-lgsp-dev-password}" \
      LGSP_DVCQG_AGENCY_CODE="${LGSP_DVCQG_AGENCY_CODE:-000.00.00.H22}" node --enable-source-maps "dist/apps/$1/main.js" &
  elif [[ "$1" == gateway ]]; then
    # the bridge's subgraph (each dossier's national delivery state) beside the three domains
    GATEWAY_SUBGRAPHS="${GATEWAY_SUBGRAPHS:-dossier=http://127.0.0.1:${DOSSIER_PORT:-3001}/graphql,land=http://127.0.0.1:${LAND_PORT:-3002}/graphql,health=http://127.0.0.1:${HEALTH_PORT:-3003}/graphql,national-bridge=http://127.0.0.1:${NATIONAL_BRIDGE_PORT:-3210}/graphql}" \
      node --enable-source-maps "dist/apps/$1/main.js" &
  else
    node --enable-source-maps "dist/apps/$1/main.js" &
  fi
  pids+=($!)
}
case "${LGSP_PROCESSES:-one}" in
  one) start_app hub ;;
  separate) ;;
  *) echo "LGSP_PROCESSES must be one or separate (got '${LGSP_PROCESSES}')" >&2; exit 2 ;;
esac
services="ingest:INGEST_PORT:3000 dossier:DOSSIER_PORT:3001 land:LAND_PORT:3002 health:HEALTH_PORT:3003"
services+=" national-bridge:NATIONAL_BRIDGE_PORT:3210 gateway:GATEWAY_PORT:4000 admin:ADMIN_PORT:3100"
# No national side configured: its simulator runs too (in the hub's process, as apps/hub decides the same way).
national_sim=""
if [[ -z "${LGSP_DVCQG_URL:-}" && -z "${LGSP_XROAD_SECURITY_SERVER_URL:-}" ]]; then
  national_sim=1
  services="national-sim:NATIONAL_SIM_PORT:3200 $services"
fi
for service in $services; do
  IFS=: read -r name variable port <<<"$service"
  [[ "${LGSP_PROCESSES:-one}" == separate ]] && start_app "$name"
  wait_for "http://127.0.0.1:${!variable:-$port}/health/live" "$name"
done

cat >&2 <<MSG

lgsp-hub is up (Ctrl-C stops it)
  publish  POST http://127.0.0.1:${INGEST_PORT:-3000}/events      OpenAPI: http://127.0.0.1:${INGEST_PORT:-3000}/openapi.json
  query    POST http://127.0.0.1:${GATEWAY_PORT:-4000}/graphql     GraphiQL: http://127.0.0.1:${GATEWAY_PORT:-4000}/graphiql
  bridge   http://127.0.0.1:${NATIONAL_BRIDGE_PORT:-3210}   dossiers synced to the national side; X-Road provider endpoint /r1/…, /listClients
  demo     npm run demo   (publishes sample dossiers)
  operate  KAFKA_SECURITY=${KAFKA_SECURITY:-} LGSP_API_KEY=dev-operator-key npm run -s lgsp -- --help      admin API: http://127.0.0.1:${ADMIN_PORT:-3100}/admin/topics
MSG
if [[ -n "$national_sim" ]]; then
  cat >&2 <<MSG
  national http://127.0.0.1:${NATIONAL_SIM_PORT:-3200}   the simulator of the national side (DVCQG: /dvcqg/login, /dvcqg/sync, account ${NATIONAL_SIM_USERNAME:-lgsp-dev};
           X-Road: /r1/${NATIONAL_SIM_XROAD_SERVICE:-VN/GOV/000.00.00.G22/DVCQG/dvcqgSync}/…, client ${NATIONAL_SIM_XROAD_CLIENT:-VN/GOV/000.00.00.H22/LGSP}); what it received: /sim/dossiers
MSG
fi
if [[ "${KAFKA_SECURITY:-}" != plaintext ]]; then
  cat >&2 <<MSG
           (the CLI authenticates to Kafka as lgsp-operator: KAFKA_SASL_CREDENTIALS_FILE=${KAFKA_SASL_CREDENTIALS_FILE:-<file>})
MSG
fi
echo >&2
wait -n "${pids[@]}"
