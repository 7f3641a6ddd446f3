#!/usr/bin/env bash
# Entry point of the kafka service in docker/compose.yaml (apache/kafka image): the same broker as
# `LGSP_KAFKA_SASL=1 kafka.sh start` — a SASL_PLAINTEXT client listener with SCRAM, the StandardAuthorizer
# (deny by default), lgsp-broker as super user — with SCRAM users created at format time from the
# development credential file mounted at /lgsp/kafka-credentials.dev.json. The hub's ACLs are applied
# by the kafka-setup service once this broker answers. Development only: no TLS (production: SASL_SSL).
set -euo pipefail
credentials=/lgsp/kafka-credentials.dev.json
config=/tmp/lgsp-server.properties
data=/tmp/kraft-combined-logs
# The controller listener is PLAINTEXT and its principal (User:ANONYMOUS) a super user, so it listens
# on the container's loopback only: other containers reach the SASL listener alone.

read_credentials() { # principal<TAB>password, one line of the file per principal (see kafka.sh)
  sed -nE 's/^[[:space:]]*"([A-Za-z0-9._-]+)"[[:space:]]*:[[:space:]]*"([A-Za-z0-9._~+-]{8,})",?[[:space:]]*$/\1\t\2/p' "$credentials"
}
super_password="$(read_credentials | awk -F'\t' '$1 == "lgsp-broker" { print $2 }')"
[[ -n "$super_password" ]] || { echo "no lgsp-broker password in $credentials" >&2; exit 1; }
jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"lgsp-broker\" password=\"${super_password}\";"

mkdir -p "$data"
cat > "$config" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=SASL_PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=SASL_PLAINTEXT://kafka:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas}
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:lgsp-broker;User:ANONYMOUS
log.dirs=${data}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
CONF
# The healthcheck's client: the super user.
cat > /tmp/lgsp-admin-client.properties <<CONF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=${jaas}
CONF

if [[ ! -f "$data/meta.properties" ]]; then
  scram=()
  while IFS=$'\t' read -r name password; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$password]" --add-scram "SCRAM-SHA-256=[name=$name,password=$password]")
  done < <(read_credentials)
  /opt/kafka/bin/kafka-storage.sh format -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" -c "$config" "${scram[@]}"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
