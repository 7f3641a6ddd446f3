#!/usr/bin/env bash
# A longer run of the fault suite (test/fault): more broker faults, longer outages, more publishers.
# Every figure can be overridden: FAULT_CYCLES, FAULT_OUTAGE_MS, FAULT_UP_MS, FAULT_CLIENTS, FAULT_BATCH,
# FAULT_PAUSE_MS, FAULT_RECOVERY_MS, FAULT_READY_LIE_MS, FAULT_BASE_PORT. Arguments go to jest (e.g. a
# spec file to run one scenario). Summaries: .local/fault/<scenario>-summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
export KAFKAJS_NO_PARTITIONER_WARNING=1
export FAULT_CYCLES="${FAULT_CYCLES:-20}" FAULT_OUTAGE_MS="${FAULT_OUTAGE_MS:-15000}"
export FAULT_UP_MS="${FAULT_UP_MS:-20000}" FAULT_CLIENTS="${FAULT_CLIENTS:-12}" FAULT_PAUSE_MS="${FAULT_PAUSE_MS:-10}"
DATABASE_URL= KAFKA_BROKERS= exec jest --selectProjects fault --runInBand --forceExit "$@"
