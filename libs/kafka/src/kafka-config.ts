import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { ConfigError, int, list, optional, str, type Env } from '@lgsp/core';
import { fixRequestQueueTimer } from './request-queue-timer';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  replicationFactor: number;
  minInsyncReplicas: number;
  partitions: number;
  /** retention.ms of the hub topics by kind; -1 keeps everything */
  retention: TopicRetention;
}

export interface TopicRetention {
  /** lgsp.<domain>.events: the system of record, read from the start by every rebuild */
  events: number;
  /** lgsp.ingress.<domain>: raw Kafka-native input, validated into a domain topic within seconds */
  ingress: number;
  /** lgsp.dlq: dead letters waiting for an operator */
  dlq: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** A retention in ms: -1 (forever) or at least an hour; 0 would delete records as soon as they are written. */
function retentionMs(env: Env, name: string, fallback: number): number {
  const value = int(env, name, fallback, -1);
  if (value !== -1 && value < 3_600_000)
    throw new ConfigError(name, `must be -1 (keep forever) or at least 3600000 (one hour), got ${value}`);
  return value;
}

export function loadKafkaSettings(env: Env, clientId: string): KafkaSettings {
  refuseRetiredRetention(env);
  return {
    brokers: list(env, 'KAFKA_BROKERS', ['127.0.0.1:9092']),
    clientId: str(env, 'KAFKA_CLIENT_ID', clientId),
    replicationFactor: int(env, 'KAFKA_REPLICATION_FACTOR', 1, 1, 10),
    minInsyncReplicas: int(env, 'KAFKA_MIN_INSYNC_REPLICAS', 1, 1, 10),
    partitions: int(env, 'KAFKA_PARTITIONS', 6, 1, 1000),
    retention: {
      events: retentionMs(env, 'KAFKA_EVENTS_RETENTION_MS', -1),
      ingress: retentionMs(env, 'KAFKA_INGRESS_RETENTION_MS', 7 * DAY_MS),
      dlq: retentionMs(env, 'KAFKA_DLQ_RETENTION_MS', 90 * DAY_MS),
    },
  };
}

/**
 * The one retention that used to apply to every hub topic, domain topics included. An operator who set it
 * must choose again knowing that the domain topics are the system of record: it is refused, not ignored.
 */
function refuseRetiredRetention(env: Env): void {
  if (optional(env, 'KAFKA_RETENTION_MS') !== undefined)
    throw new ConfigError(
      'KAFKA_RETENTION_MS',
      'no longer read: set KAFKA_EVENTS_RETENTION_MS (domain topics, default -1 = forever), KAFKA_INGRESS_RETENTION_MS and KAFKA_DLQ_RETENTION_MS instead',
    );
}

const levels: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(settings: KafkaSettings, extra: Partial<KafkaConfig> = {}): Kafka {
  fixRequestQueueTimer();
  return new Kafka({
    brokers: settings.brokers,
    clientId: settings.clientId,
    logLevel: logLevel.WARN,
    // kafkajs logs through our JSON logs; it never logs record contents.
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        process.stderr.write(
          `${JSON.stringify({ level: levels[level] ?? 'info', logger: 'kafkajs', msg: message, ...rest })}\n`,
        );
      },
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    ...extra,
  });
}
