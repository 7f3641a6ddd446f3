import { callersFile, ConfigError, int, policyFile, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface IngestConfig {
  port: number;
  host: string;
  bodyLimitBytes: number;
  callersFile: string;
  /** the policy file; ingest reads its `owners` section (land office areas, delegations) */
  policyFile: string;
  kafka: KafkaSettings;
  store: StoreSettings;
  logLevel: string;
  /** longest a publish waits for Kafka's acknowledgement, retries included */
  publishTimeoutMs: number;
  /** age after which a pending claim counts as abandoned (its publisher crashed) */
  claimTakeoverSeconds: number;
}

export function loadIngestConfig(env: Env): IngestConfig {
  const publishTimeoutMs = int(env, 'INGEST_PUBLISH_TIMEOUT_MS', 15_000, 1000, 600_000);
  const claimTakeoverSeconds = int(env, 'INGEST_CLAIM_TAKEOVER_SECONDS', 60, 1);
  // A live publish must never be taken over: it gives up (503) well before its claim counts as abandoned.
  if (claimTakeoverSeconds * 1000 < 2 * publishTimeoutMs)
    throw new ConfigError(
      'INGEST_CLAIM_TAKEOVER_SECONDS',
      `must be at least twice INGEST_PUBLISH_TIMEOUT_MS (${publishTimeoutMs} ms)`,
    );
  return {
    publishTimeoutMs,
    claimTakeoverSeconds,
    port: int(env, 'INGEST_PORT', 3000, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    bodyLimitBytes: int(env, 'INGEST_BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    callersFile: callersFile(env),
    policyFile: policyFile(env),
    kafka: loadKafkaSettings(env, 'lgsp-ingest'),
    store: loadStoreSettings(env, 'ingest'),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
  };
}
