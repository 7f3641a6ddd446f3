#!/usr/bin/env bash
# `npm run footprint`: what the hub costs on this machine. Starts the hub as `npm start` does (the local
# broker and the embedded PGlite, LGSP_PROCESSES honoured) on ports and folders of its own, so a running
# hub is never disturbed; prints the time until every service answers /health/ready, then, after ~10 s
# idle, the resident memory (RSS) of each process — the Node process(es) and the broker's JVM — and the
# total against the goals; stops what it started.
#   LGSP_FOOTPRINT_HOME  its data and logs (default <repo>/.local/footprint; kept, so later runs are warm)
#   LGSP_FOOTPRINT_PORT  first of its ports (default 19600): broker, controller, then the six services
#   LGSP_FOOTPRINT_IDLE  seconds idle before measuring (default 10)
# The first run formats the broker and creates the database (a cold start): it is run once to warm up,
# then stopped, and the start after it is the one measured.
set -euo pipefail
cd "$(dirname "$0")/.."

GOAL_READY_S=15
GOAL_RSS_MB=1200

home="${LGSP_FOOTPRINT_HOME:-$PWD/.local/footprint}"
base="${LGSP_FOOTPRINT_PORT:-19600}"
idle="${LGSP_FOOTPRINT_IDLE:-10}"
mkdir -p "$home"
home="$(cd "$home" && pwd)"

# The embedded defaults, on this script's own broker and ports (never the hub's own or a shared store).
unset KAFKA_BROKERS DATABASE_URL
export LGSP_KAFKA_HOME="$home/kafka" LGSP_KAFKA_PORT=$base LGSP_KAFKA_CONTROLLER_PORT=$((base + 1))
export LGSP_PGLITE_DIR="$home/pglite"
names=(ingest dossier land health gateway admin)
variables=(INGEST_PORT DOSSIER_PORT LAND_PORT HEALTH_PORT GATEWAY_PORT ADMIN_PORT)
for i in "${!names[@]}"; do export "${variables[$i]}=$((base + 2 + i))"; done
export GATEWAY_SUBGRAPHS="dossier=http://127.0.0.1:$DOSSIER_PORT/graphql,land=http://127.0.0.1:$LAND_PORT/graphql,health=http://127.0.0.1:$HEALTH_PORT/graphql"
export LOG_LEVEL="${LOG_LEVEL:-warn}"

for port in $(seq "$base" $((base + 7))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "footprint: port $port is taken; choose other ports with LGSP_FOOTPRINT_PORT" >&2
    exit 1
  fi
done

hub=""
stop_hub() {
  [[ -n "$hub" ]] || return 0
  kill -TERM "$hub" 2>/dev/null || true
  wait "$hub" 2>/dev/null || true
  hub=""
}
trap stop_hub EXIT
trap 'exit 130' INT TERM

now() { date +%s%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# Starts scripts/start.sh in the background (its own process group is not needed: stopping it with
# SIGTERM stops its services and the broker it started) and waits until every service is ready.
start_hub() {
  local log=$1
  bash scripts/start.sh >"$log" 2>&1 &
  hub=$!
  broker_s=""
  for _ in $(seq 1 600); do
    if [[ -z "$broker_s" ]] && grep -q "broker ready" "$log"; then broker_s=$(seconds_since "$started"); fi
    local ready=0
    for variable in "${variables[@]}"; do
      curl -fs -o /dev/null "http://127.0.0.1:${!variable}/health/ready" && ready=$((ready + 1))
    done
    [[ $ready -eq ${#variables[@]} ]] && return 0
    if ! kill -0 "$hub" 2>/dev/null; then
      echo "footprint: the hub exited before it was ready; its output ($log):" >&2
      tail -30 "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "footprint: the hub was not ready within 120 s; its output ($log):" >&2
  tail -30 "$log" >&2
  exit 1
}

# Every process under `pid` (children first found by their parent), one per line.
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

rss_mb() { ps -o rss= -p "$1" | awk '{ printf "%d", $1 / 1024 }'; }
# user + system CPU seconds of a process so far (/proc/<pid>/stat fields 14 and 15, after its name)
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$1/stat"; }

echo "lgsp-hub footprint: LGSP_PROCESSES=${LGSP_PROCESSES:-one}, broker 127.0.0.1:$base, data in $home"
# npm start compiles first when a source is newer: done here, so no start measured includes a build.
bash scripts/build.sh --if-stale
# One layout's data is not the other's (PGlite in pglite/hub, or one folder per service).
warm="$home/warm-${LGSP_PROCESSES:-one}"
if [[ ! -f "$warm" || ! -f "$home/kafka/data/meta.properties" ]]; then
  started=$(now)
  start_hub "$home/warm-up.log"
  echo "  warm-up (first run: broker formatted, database created): ready after $(seconds_since "$started") s"
  stop_hub
  touch "$warm"
fi

started=$(now)
start_hub "$home/start.log"
ready_s=$(seconds_since "$started")
# The hub's processes: its Node process(es) under start.sh, and the broker (detached by kafka.sh).
processes=()
for pid in $(descendants "$hub"); do
  command=$(ps -o args= -p "$pid" 2>/dev/null || true)
  [[ "${command%% *}" == node || "${command%% *}" == */node ]] && processes+=("$pid")
done
broker=$(cat "$home/kafka/broker.pid")
processes+=("$broker")
# CPU time used until ready says what a start costs whatever else the machine is doing.
declare -A cpu
for pid in "${processes[@]}"; do cpu[$pid]=$(cpu_s "$pid"); done
sleep "$idle"

total=0
printf '  %-40s %12s %12s\n' "process" "CPU to ready" "RSS idle"
for pid in "${processes[@]}"; do
  if [[ "$pid" == "$broker" ]]; then name="broker JVM"; else name="node $(ps -o args= -p "$pid" | grep -o 'apps/[a-z-]*' | head -1)"; fi
  mb=$(rss_mb "$pid")
  total=$((total + mb))
  printf '  %-40s %10s s %9d MB\n' "$name (pid $pid)" "${cpu[$pid]}" "$mb"
done

verdict() { if awk -v v="$1" -v g="$2" 'BEGIN { exit !(v <= g) }'; then echo "ok"; else echo "OVER"; fi; }
printf '  %-40s %25s   goal <= %d MB: %s\n' "total RSS after ${idle} s idle" "$total MB" "$GOAL_RSS_MB" "$(verdict "$total" "$GOAL_RSS_MB")"
printf '  %-40s %25s\n' "broker ready after" "${broker_s:-?} s"
printf '  %-40s %25s   goal <= %d s: %s\n' "ready after (start.sh to every /health/ready)" "$ready_s s" "$GOAL_READY_S" "$(verdict "$ready_s" "$GOAL_READY_S")"
printf '  %-40s %25s\n' "load average (1 min), cores" "$(cut -d' ' -f1 /proc/loadavg), $(nproc)"
