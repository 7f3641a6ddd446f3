import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { int, list, str, type Env } from '@lgsp/core';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  replicationFactor: number;
  minInsyncReplicas: number;
  partitions: number;
  retentionMs: number;
}

export function loadKafkaSettings(env: Env, clientId: string): KafkaSettings {
  return {
    brokers: list(env, 'KAFKA_BROKERS', ['127.0.0.1:9092']),
    clientId: str(env, 'KAFKA_CLIENT_ID', clientId),
    replicationFactor: int(env, 'KAFKA_REPLICATION_FACTOR', 1, 1, 10),
    minInsyncReplicas: int(env, 'KAFKA_MIN_INSYNC_REPLICAS', 1, 1, 10),
    partitions: int(env, 'KAFKA_PARTITIONS', 6, 1, 1000),
    retentionMs: int(env, 'KAFKA_RETENTION_MS', 30 * 24 * 3600 * 1000, -1),
  };
}

const levels: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(settings: KafkaSettings, extra: Partial<KafkaConfig> = {}): Kafka {
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
