import { existsSync, readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { ConfigError, int, list, optional, str, type Env } from '@lgsp/core';
import { fixRequestQueueTimer } from './request-queue-timer';

/**
 * How the hub reaches Kafka. Every connection authenticates (SASL/SCRAM) unless a development setting
 * says otherwise: `KAFKA_SECURITY=plaintext` is the one way to talk to a broker without authentication,
 * and it is refused when NODE_ENV=production.
 */
export type KafkaSecurity = 'sasl_ssl' | 'sasl_plaintext' | 'plaintext';
export type ScramMechanism = 'scram-sha-512' | 'scram-sha-256';

export interface KafkaSasl {
  mechanism: ScramMechanism;
  username: string;
  password: string;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  security: KafkaSecurity;
  /** absent only with security `plaintext` */
  sasl?: KafkaSasl;
  /** PEM CA bundle for `sasl_ssl` (else the system's CAs) */
  caFile?: string;
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

/** Development credentials (config/kafka-credentials.dev.json): principal → password, one map for all. */
export function readCredentialsFile(path: string): Record<string, string> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { principals?: Record<string, unknown> };
  const principals = parsed.principals ?? {};
  const out: Record<string, string> = {};
  for (const [name, password] of Object.entries(principals))
    if (typeof password === 'string') out[name] = password;
  return out;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = (optional(env, name) ?? fallback).toLowerCase();
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function loadSasl(env: Env, principal: string, production: boolean): KafkaSasl {
  const mechanism = oneOf(env, 'KAFKA_SASL_MECHANISM', ['scram-sha-512', 'scram-sha-256'], 'scram-sha-512');
  const username = str(env, 'KAFKA_SASL_USERNAME', principal);
  const inline = optional(env, 'KAFKA_SASL_PASSWORD');
  const file = optional(env, 'KAFKA_SASL_PASSWORD_FILE');
  const devFile = optional(env, 'KAFKA_SASL_CREDENTIALS_FILE');
  let password: string | undefined = inline;
  if (password === undefined && file !== undefined) {
    try {
      password = readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError('KAFKA_SASL_PASSWORD_FILE', `cannot read ${file}`);
    }
  }
  if (password === undefined && devFile !== undefined) {
    if (production)
      throw new ConfigError(
        'KAFKA_SASL_CREDENTIALS_FILE',
        'the shared development credential file is refused in production: give each service KAFKA_SASL_PASSWORD_FILE',
      );
    let all: Record<string, string>;
    try {
      all = readCredentialsFile(devFile);
    } catch {
      throw new ConfigError(
        'KAFKA_SASL_CREDENTIALS_FILE',
        `cannot read ${devFile} as { "principals": {...} }`,
      );
    }
    password = all[username];
    if (password === undefined)
      throw new ConfigError('KAFKA_SASL_CREDENTIALS_FILE', `${devFile} has no password for ${username}`);
  }
  if (password === undefined || password === '')
    throw new ConfigError(
      'KAFKA_SASL_PASSWORD',
      `is required for Kafka principal ${username} (or KAFKA_SASL_PASSWORD_FILE); ` +
        'KAFKA_SECURITY=plaintext connects without authentication, for a development broker only',
    );
  return { mechanism, username, password };
}

function readableFile(env: Env, name: string): string | undefined {
  const path = optional(env, name);
  if (path !== undefined && !existsSync(path)) throw new ConfigError(name, `${path} does not exist`);
  return path;
}

/**
 * `principal` is the service's own Kafka principal (KAFKA_SASL_USERNAME overrides it): each service
 * authenticates as itself and holds only the ACLs it needs (docs/security-kafka.md).
 */
export function loadKafkaSettings(env: Env, clientId: string, principal = clientId): KafkaSettings {
  const production = env.NODE_ENV === 'production';
  const security = oneOf<KafkaSecurity>(
    env,
    'KAFKA_SECURITY',
    ['sasl_ssl', 'sasl_plaintext', 'plaintext'],
    production ? 'sasl_ssl' : 'sasl_plaintext',
  );
  if (security === 'plaintext' && production)
    throw new ConfigError('KAFKA_SECURITY', 'plaintext (no authentication) is for development only');
  refuseRetiredRetention(env);
  return {
    brokers: list(env, 'KAFKA_BROKERS', ['127.0.0.1:9092']),
    clientId: str(env, 'KAFKA_CLIENT_ID', clientId),
    security,
    sasl: security === 'plaintext' ? undefined : loadSasl(env, principal, production),
    caFile: readableFile(env, 'KAFKA_SSL_CA_FILE'),
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

function connection(settings: KafkaSettings): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (settings.security === 'plaintext' || !settings.sasl) return {};
  const sasl = settings.sasl as SASLOptions;
  if (settings.security === 'sasl_plaintext') return { sasl };
  return {
    sasl,
    ssl: settings.caFile ? { ca: [readFileSync(settings.caFile, 'utf8')] } : true,
  };
}

export function createKafka(settings: KafkaSettings, extra: Partial<KafkaConfig> = {}): Kafka {
  fixRequestQueueTimer();
  return new Kafka({
    brokers: settings.brokers,
    clientId: settings.clientId,
    ...connection(settings),
    logLevel: logLevel.WARN,
    // kafkajs logs through our JSON logs; it never logs record contents (nor credentials).
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
