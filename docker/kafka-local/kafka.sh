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
#   kafka.sh acls    (LGSP_KAFKA_SASL=1) create the hub's ACLs again, e.g. after adding a publisher
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
# Authentication (both modes): LGSP_KAFKA_SASL=1 gives the broker a SASL_PLAINTEXT client listener with
# SCRAM-SHA-512/256 and the StandardAuthorizer (deny by default): the SCRAM users are created at format
# time from LGSP_KAFKA_CREDENTIALS (default <repo>/config/kafka-credentials.dev.json, development only),
# lgsp-broker is the super user, and after start the hub's ACLs (libs/kafka/src/kafka-acls.ts, applied by libs/kafka/src/acl-cli.ts) are
# applied (again on every start; `kafka.sh acls` alone). No TLS locally: production uses SASL_SSL. The
# controller listener stays PLAINTEXT on 127.0.0.1 (never expose it). A data folder keeps the mode it
# was formatted with: switching needs `reset`. Without LGSP_KAFKA_SASL the broker is PLAINTEXT without
# authentication, and hub clients must say KAFKA_SECURITY=plaintext to use it.
# Jars are shared by every mode: LGSP_KAFKA_LIBS (default <repo>/.local/kafka/libs). Heap: KAFKA_HEAP_OPTS
# (default -Xms64m -Xmx1g for the single broker: it starts small and grows under load, tests and
# benchmarks; -Xms128m -Xmx384m for each cluster node). The log cleaner's dedupe buffer is 16 MB (Kafka's
# 128 MB default, allocated on the heap at start, was a third of an idle development broker's memory).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
libs="${LGSP_KAFKA_LIBS:-$repo/.local/kafka/libs}"

log() { printf '[kafka-local] %s\n' "$*" >&2; }

sasl="${LGSP_KAFKA_SASL:-0}"
[[ "$sasl" == 1 || "$sasl" == 0 ]] || { log "LGSP_KAFKA_SASL must be 0 or 1 (got '$sasl')"; exit 2; }
credentials="${LGSP_KAFKA_CREDENTIALS:-$repo/config/kafka-credentials.dev.json}"
SUPER_USER=lgsp-broker

# principal<TAB>password for each line `"name": "password"` of the credential file (the file keeps one
# principal per line; keys starting with $ are comments). Names and passwords are restricted to
# characters that need no quoting in server.properties or in StorageTool's --add-scram syntax.
read_credentials() {
  [[ -f "$credentials" ]] || { log "no credential file $credentials (LGSP_KAFKA_CREDENTIALS)"; exit 1; }
  sed -nE 's/^[[:space:]]*"([A-Za-z0-9._-]+)"[[:space:]]*:[[:space:]]*"([A-Za-z0-9._~+-]{8,})",?[[:space:]]*$/\1\t\2/p' "$credentials"
}

credential_of() { # principal
  local name password
  while IFS=$'\t' read -r name password; do
    if [[ "$name" == "$1" ]]; then echo "$password"; return 0; fi
  done < <(read_credentials)
  log "$credentials has no password for $1"; exit 1
}
if [[ "$sasl" == 1 ]]; then SUPER_PASSWORD="$(credential_of "$SUPER_USER")"; fi

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

listener_config() {
  local proto=PLAINTEXT
  [[ "$sasl" == 1 ]] && proto=SASL_PLAINTEXT
  cat <<CONF
listeners=${proto}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=${proto}://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=${proto}:${proto},CONTROLLER:PLAINTEXT
inter.broker.listener.name=${proto}
CONF
  [[ "$sasl" == 1 ]] || return 0
  # The controller listener is PLAINTEXT, so the controller sees its own broker as User:ANONYMOUS:
  # that principal must be a super user. No client reaches it: it listens on 127.0.0.1 only and
  # serves controller requests, not produce or fetch.
  local jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${SUPER_USER}\" password=\"${SUPER_PASSWORD}\";"
  cat <<CONF
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas}
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:${SUPER_USER};User:ANONYMOUS
CONF
}

write_config() {
  mkdir -p "$data" "$logs"
  ( umask 077; { cat <<CONF
process.roles=broker,controller
node.id=${node_id}
controller.quorum.voters=${voters}
$(listener_config)
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
log.cleaner.dedupe.buffer.size=16777216
CONF
  } > "$config" )
}

# StorageTool arguments creating every principal of the credential file, for both SCRAM mechanisms.
scram_args() {
  local name password
  while IFS=$'\t' read -r name password; do
    printf '%s\n' --add-scram "SCRAM-SHA-512=[name=$name,password=$password]" \
      --add-scram "SCRAM-SHA-256=[name=$name,password=$password]"
  done < <(read_credentials)
}

# The hub's ACLs, created as the super user (node: the project's own, as npm start uses).
apply_acls() { # bootstrap servers
  [[ "$sasl" == 1 ]] || return 0
  local node_bin="$repo/node_modules/.bin/node"
  [[ -x "$node_bin" ]] || node_bin=node
  log "applying the hub's ACLs"
  ( cd "$repo" && KAFKA_BROKERS="$1" KAFKA_SECURITY=sasl_plaintext KAFKA_SASL_USERNAME="$SUPER_USER" \
      KAFKA_SASL_PASSWORD="$SUPER_PASSWORD" NODE_ENV=development \
      "$node_bin" --no-warnings=TimeoutNegativeWarning -r ts-node/register/transpile-only -r tsconfig-paths/register libs/kafka/src/acl-cli.ts )
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
  local mode; mode=$([[ "$sasl" == 1 ]] && echo sasl || echo plaintext)
  if [[ -f "$data/meta.properties" && "$(cat "$home/security" 2>/dev/null || echo plaintext)" != "$mode" ]]; then
    log "$home was formatted $(cat "$home/security" 2>/dev/null || echo plaintext), not $mode: reset it first"; exit 1
  fi
  write_config
  if [[ ! -f "$data/meta.properties" ]]; then
    log "formatting storage in $data ($mode)"
    [[ -f "$cluster_id_file" ]] || run_class kafka.tools.StorageTool random-uuid > "$cluster_id_file"
    local extra=()
    if [[ "$sasl" == 1 ]]; then mapfile -t extra < <(scram_args); fi
    run_class kafka.tools.StorageTool format -t "$(cat "$cluster_id_file")" -c "$config" "${extra[@]}" >/dev/null
    echo "$mode" > "$home/security"
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
  node_id=1 voters="1@127.0.0.1:${controller_port}" rf=1 min_isr=1 heap="-Xms64m -Xmx1g" name="broker"
  case "${1:-}" in
    fetch) fetch ;;
    start) launch "$home/cluster.id"; wait_ready; apply_acls "127.0.0.1:$port"; log "KAFKA_BROKERS=127.0.0.1:$port" ;;
    acls) apply_acls "127.0.0.1:$port" ;;
    stop) stop_node TERM ;;
    kill) stop_node KILL ;;
    reset) stop_node TERM; rm -rf "$data" "$logs" "$home/cluster.id" "$config" "$home/security"; log "local data and logs removed" ;;
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
      apply_acls "$(cluster_brokers)"
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
  echo "usage: $0 fetch|start|stop|kill|reset|status|acls|run-class CLASS ARGS..." >&2
  echo "       $0 cluster start|stop|kill|reset|status|start-node N|stop-node N|kill-node N|node-status N" >&2
  exit 2
}

if [[ "${1:-}" == cluster ]]; then shift; cluster "$@"; else single "$@"; fi
