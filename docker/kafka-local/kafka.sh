#!/usr/bin/env bash
# Local Apache Kafka (KRaft) on the machine's Java 17, for machines without a Docker engine. Every
# command is idempotent.
# Single broker (one combined broker+controller):
#   kafka.sh fetch   copy the pinned jars (pom.xml) from Maven into the jars folder
#   kafka.sh start   fetch if needed, format storage if needed, start, wait until the broker answers
#   kafka.sh stop    stop the broker started here (SIGTERM; SIGKILL after 30 s)
#   kafka.sh kill    stop it at once (SIGKILL), as a crash would
#   kafka.sh reset   stop and delete all local data and logs
#   kafka.sh status  exit 0 when the broker started here is running
#   kafka.sh run-class CLASS ARGS...   run a Kafka tool class with the same jars (e.g. perf tools)
#   Data and logs: LGSP_KAFKA_HOME (default <repo>/.local/kafka); port: LGSP_KAFKA_PORT (default 9092),
#   controller port LGSP_KAFKA_CONTROLLER_PORT (default port + 1). Another home and port give a second,
#   independent broker.
# Three-node cluster (each node a combined broker+controller; RF 3, min.insync.replicas 2):
#   kafka.sh cluster start|stop|kill|reset|status
#   kafka.sh cluster start-node N | stop-node N | kill-node N | node-status N     (N = 1, 2 or 3)
#   Data and logs: LGSP_KAFKA_CLUSTER_HOME (default <repo>/.local/kafka-cluster); node N listens on
#   LGSP_KAFKA_CLUSTER_PORT + N - 1 (default base 19092) and its controller on base + 10 + N - 1.
#   `cluster status` prints KAFKA_BROKERS and exits 0 when all three nodes run.
# Jars are shared by every mode: LGSP_KAFKA_LIBS (default <repo>/.local/kafka/libs). Heap: KAFKA_HEAP_OPTS
# (default -Xms512m -Xmx1g for the single broker, -Xms128m -Xmx384m for each cluster node).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
libs="${LGSP_KAFKA_LIBS:-$repo/.local/kafka/libs}"

log() { printf '[kafka-local] %s\n' "$*" >&2; }

java_bin() {
  if [[ -n "${JAVA_HOME:-}" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

fetch() {
  local stamp="$libs/.pom.sha"
  local want
  want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "fetching Kafka jars with Maven (pom: $here/pom.xml)"
  rm -rf "$libs.tmp"
  mkdir -p "$(dirname "$libs")"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs.tmp" -DincludeScope=runtime
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
  echo "$want" > "$stamp"
  log "jars in $libs ($(ls "$libs" | wc -l) files)"
}

# --- one node: the variables below describe the node the functions act on --------------------------
node_id=1 home="" port=0 controller_port=0 voters="" rf=1 min_isr=1 heap="" name="broker"
data="" logs="" pidfile="" config=""

use_node() { # home port controller_port
  home=$1 port=$2 controller_port=$3
  data="$home/data" logs="$home/logs" pidfile="$home/broker.pid" config="$home/server.properties"
}

run_class() {
  fetch
  mkdir -p "${logs:-$repo/.local/kafka/logs}"
  "$(java_bin)" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} \
    -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="${logs:-$repo/.local/kafka/logs}" \
    -cp "$libs/*" "$@"
}

write_config() {
  mkdir -p "$data" "$logs"
  cat > "$config" <<CONF
process.roles=broker,controller
node.id=${node_id}
controller.quorum.voters=${voters}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}
num.partitions=3
default.replication.factor=${rf}
min.insync.replicas=${min_isr}
offsets.topic.replication.factor=${rf}
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${min_isr}
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${min_isr}
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
log.segment.bytes=268435456
CONF
}

is_running() {
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Formats (first time) and launches the node in the background; `wait_ready` waits for it.
launch() {
  local cluster_id_file=$1
  if is_running; then log "$name already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  if port_open "$port" || port_open "$controller_port"; then
    log "port $port or $controller_port is taken by another process; choose other ports"; exit 1
  fi
  fetch
  write_config
  if [[ ! -f "$data/meta.properties" ]]; then
    log "formatting storage in $data"
    [[ -f "$cluster_id_file" ]] || run_class kafka.tools.StorageTool random-uuid > "$cluster_id_file"
    run_class kafka.tools.StorageTool format -t "$(cat "$cluster_id_file")" -c "$config" >/dev/null
  fi
  log "starting $name on 127.0.0.1:$port (logs: $logs/server.log)"
  # A restart must see its own "started" line, not the previous run's: move the old log aside.
  [[ -f "$logs/server.log" ]] && mv "$logs/server.log" "$logs/server.log.previous"
  nohup "$(java_bin)" ${KAFKA_HEAP_OPTS:-$heap} -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.Kafka "$config" > "$logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
}

wait_ready() {
  for _ in $(seq 1 240); do
    if ! is_running; then log "$name exited; see $logs/stdout.log and $logs/server.log"; tail -20 "$logs/stdout.log" >&2; exit 1; fi
    if port_open "$port" && grep -q "Kafka Server started" "$logs/server.log" 2>/dev/null; then
      log "$name ready on 127.0.0.1:$port"; return 0
    fi
    sleep 0.5
  done
  log "$name did not become ready within 120 s"; exit 1
}

stop_node() { # signal: TERM (clean shutdown) or KILL (crash)
  local signal=${1:-TERM}
  if ! is_running; then rm -f "$pidfile"; log "$name not running"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid, SIG$signal)"
  kill "-$signal" "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
}

# --- single broker ----------------------------------------------------------------------------------
single() {
  local single_home="${LGSP_KAFKA_HOME:-$repo/.local/kafka}"
  local single_port="${LGSP_KAFKA_PORT:-9092}"
  use_node "$single_home" "$single_port" "${LGSP_KAFKA_CONTROLLER_PORT:-$((single_port + 1))}"
  node_id=1 voters="1@127.0.0.1:${controller_port}" rf=1 min_isr=1 heap="-Xms512m -Xmx1g" name="broker"
  case "${1:-}" in
    fetch) fetch ;;
    start) launch "$home/cluster.id"; wait_ready; log "KAFKA_BROKERS=127.0.0.1:$port" ;;
    stop) stop_node TERM ;;
    kill) stop_node KILL ;;
    reset) stop_node TERM; rm -rf "$data" "$logs" "$home/cluster.id" "$config"; log "local data and logs removed" ;;
    status) is_running ;;
    run-class) shift; run_class "$@" ;;
    *) usage ;;
  esac
}

# --- three-node cluster -----------------------------------------------------------------------------
cluster_home="${LGSP_KAFKA_CLUSTER_HOME:-$repo/.local/kafka-cluster}"
cluster_base="${LGSP_KAFKA_CLUSTER_PORT:-19092}"
NODES=(1 2 3)

cluster_node() { # N
  local n=$1
  [[ "$n" =~ ^[123]$ ]] || { log "node must be 1, 2 or 3 (got '$n')"; exit 2; }
  use_node "$cluster_home/node-$n" "$((cluster_base + n - 1))" "$((cluster_base + 10 + n - 1))"
  node_id=$n rf=3 min_isr=2 heap="-Xms128m -Xmx384m" name="node $n"
  voters=""
  for m in "${NODES[@]}"; do voters+="${voters:+,}$m@127.0.0.1:$((cluster_base + 10 + m - 1))"; done
}

cluster_brokers() {
  local list=""
  for m in "${NODES[@]}"; do list+="${list:+,}127.0.0.1:$((cluster_base + m - 1))"; done
  echo "$list"
}

cluster() {
  local cmd=${1:-}
  case "$cmd" in
    start)
      mkdir -p "$cluster_home"
      # Combined nodes need a quorum (2 of 3) before any of them finishes starting: launch all, then wait.
      for n in "${NODES[@]}"; do cluster_node "$n"; launch "$cluster_home/cluster.id"; done
      for n in "${NODES[@]}"; do cluster_node "$n"; wait_ready; done
      log "cluster ready: KAFKA_BROKERS=$(cluster_brokers)" ;;
    stop | kill)
      for n in "${NODES[@]}"; do cluster_node "$n"; if [[ $cmd == kill ]]; then stop_node KILL; else stop_node TERM; fi; done ;;
    reset)
      for n in "${NODES[@]}"; do cluster_node "$n"; stop_node TERM; done
      rm -rf "$cluster_home"; log "cluster data and logs removed" ;;
    status)
      local up=0
      for n in "${NODES[@]}"; do
        cluster_node "$n"
        if is_running; then up=$((up + 1)); echo "node $n: running (pid $(cat "$pidfile")) 127.0.0.1:$port"; else echo "node $n: stopped"; fi
      done
      echo "KAFKA_BROKERS=$(cluster_brokers)"
      [[ $up -eq ${#NODES[@]} ]] ;;
    start-node) cluster_node "${2:-}"; mkdir -p "$cluster_home"; launch "$cluster_home/cluster.id"; wait_ready ;;
    stop-node) cluster_node "${2:-}"; stop_node TERM ;;
    kill-node) cluster_node "${2:-}"; stop_node KILL ;;
    node-status) cluster_node "${2:-}"; is_running ;;
    *) usage ;;
  esac
}

usage() {
  echo "usage: $0 fetch|start|stop|kill|reset|status|run-class CLASS ARGS..." >&2
  echo "       $0 cluster start|stop|kill|reset|status|start-node N|stop-node N|kill-node N|node-status N" >&2
  exit 2
}

if [[ "${1:-}" == cluster ]]; then shift; cluster "$@"; else single "$@"; fi
