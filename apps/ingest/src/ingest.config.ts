import { join } from 'node:path';
import { int, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface IngestConfig {
  port: number;
  host: string;
  bodyLimitBytes: number;
  callersFile: string;
  kafka: KafkaSettings;
  store: StoreSettings;
  logLevel: string;
}

export function loadIngestConfig(env: Env): IngestConfig {
  return {
    port: int(env, 'INGEST_PORT', 3000, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    bodyLimitBytes: int(env, 'INGEST_BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    callersFile: str(
      env,
      'LGSP_CALLERS_FILE',
      join(__dirname, '..', '..', '..', 'config', 'callers.dev.json'),
    ),
    kafka: loadKafkaSettings(env, 'lgsp-ingest'),
    store: loadStoreSettings(env, 'ingest'),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
  };
}
