import { join } from 'node:path';
import { int, optional, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface DossierConfig {
  port: number;
  host: string;
  callersFile: string;
  consumerGroup: string;
  kafka: KafkaSettings;
  store: StoreSettings;
  logLevel: string;
  /** event schemas folder; the repository's schemas/ when unset */
  schemasDir?: string;
}

export function loadDossierConfig(env: Env): DossierConfig {
  return {
    port: int(env, 'DOSSIER_PORT', 3001, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    callersFile: str(
      env,
      'LGSP_CALLERS_FILE',
      join(__dirname, '..', '..', '..', 'config', 'callers.dev.json'),
    ),
    consumerGroup: str(env, 'DOSSIER_CONSUMER_GROUP', 'lgsp-dossier-projection'),
    kafka: loadKafkaSettings(env, 'lgsp-dossier'),
    store: loadStoreSettings(env, 'dossier'),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    schemasDir: optional(env, 'LGSP_SCHEMAS_DIR'),
  };
}
