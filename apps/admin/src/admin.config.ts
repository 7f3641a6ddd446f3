import { loadAuditSettings, type AuditSettings } from '@lgsp/audit';
import { callersFile, int, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface AdminConfig {
  port: number;
  host: string;
  callersFile: string;
  kafka: KafkaSettings;
  logLevel: string;
  /** the audit store of the operator actions taken through this API (their signed chain) */
  store: StoreSettings;
  audit: AuditSettings;
}

export function loadAdminConfig(env: Env): AdminConfig {
  return {
    port: int(env, 'ADMIN_PORT', 3100, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    callersFile: callersFile(env),
    kafka: loadKafkaSettings(env, 'lgsp-admin'),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    store: loadStoreSettings(env, 'admin'),
    audit: loadAuditSettings(env),
  };
}
