#!/usr/bin/env bash
# Local Apache Kafka broker (KRaft, single combined broker+controller) on the machine's Java 17,
# for machines without a Docker engine. Every command is idempotent.
#   kafka.sh fetch   copy the pinned jars (pom.xml) from Maven into .local/kafka/libs
#   kafka.sh start   fetch if needed, format storage if needed, start, wait until the broker answers
#   kafka.sh stop    stop the broker started here
#   kafka.sh reset   stop and delete all local data and logs
#   kafka.sh status  exit 0 when the broker started here is running
#   kafka.sh run-class CLASS ARGS...   run a Kafka tool class with the same jars (e.g. perf tools)
# Data and logs live under <repo>/.local/kafka (ignored by git). Port: LGSP_KAFKA_PORT (default 9092).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
home="${LGSP_KAFKA_HOME:-$repo/.local/kafka}"
port="${LGSP_KAFKA_PORT:-9092}"
controller_port="${LGSP_KAFKA_CONTROLLER_PORT:-$((port + 1))}"
libs="$home/libs"
data="$home/data"
logs="$home/logs"
pidfile="$home/broker.pid"
config="$home/server.properties"

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
  mkdir -p "$home"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs.tmp" -DincludeScope=runtime
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
  echo "$want" > "$stamp"
  log "jars in $libs ($(ls "$libs" | wc -l) files)"
}

run_class() {
  fetch
  mkdir -p "$logs"
  "$(java_bin)" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} \
    -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" "$@"
}

write_config() {
  mkdir -p "$data" "$logs"
  cat > "$config" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
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
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

start() {
  if is_running; then log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  if port_open; then
    log "port $port is taken by another process; set LGSP_KAFKA_PORT or KAFKA_BROKERS"; exit 1
  fi
  fetch
  write_config
  if [[ ! -f "$data/meta.properties" ]]; then
    log "formatting storage in $data"
    [[ -f "$home/cluster.id" ]] || run_class kafka.tools.StorageTool random-uuid > "$home/cluster.id"
    run_class kafka.tools.StorageTool format -t "$(cat "$home/cluster.id")" -c "$config" >/dev/null
  fi
  log "starting broker on 127.0.0.1:$port (logs: $logs/server.log)"
  nohup "$(java_bin)" ${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g} -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.Kafka "$config" > "$logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if ! is_running; then log "broker exited; see $logs/stdout.log and $logs/server.log"; tail -20 "$logs/stdout.log" >&2; exit 1; fi
    if port_open && grep -q "Kafka Server started" "$logs/server.log" 2>/dev/null; then
      log "ready: KAFKA_BROKERS=127.0.0.1:$port"; return 0
    fi
    sleep 0.5
  done
  log "broker did not become ready within 60 s"; exit 1
}

stop() {
  if ! is_running; then rm -f "$pidfile"; log "not running"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  log "stopping broker (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
}

reset() {
  stop
  rm -rf "$data" "$logs" "$home/cluster.id" "$config"
  log "local data and logs removed"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  reset) reset ;;
  status) is_running ;;
  run-class) shift; run_class "$@" ;;
  *) echo "usage: $0 fetch|start|stop|reset|status|run-class CLASS ARGS..." >&2; exit 2 ;;
esac
