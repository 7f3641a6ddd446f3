import { loadAuditSettings, type AuditSettings } from '@lgsp/audit';
import { callersFile, optional, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import { loadMessageLogSettings, MESSAGE_LOG_SCHEMA, type MessageLogSettings } from '@lgsp/message-log';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface CliConfig {
  kafka: KafkaSettings;
  callersFile: string;
  /** the operator's API key (LGSP_API_KEY; never a command-line argument, which others can read) */
  apiKey?: string;
  /** where each domain service (and its read model's rebuild) answers */
  serviceUrls: Record<'dossier' | 'land' | 'health', string>;
  gatewayUrl: string;
  adminUrl: string;
  /** the operator's audit signing key and the published keys `audit verify --topic` checks against */
  audit: AuditSettings;
  /** the national bridge's store, where `national log` reads the message log (the bridge's own settings) */
  messageLog: { store: StoreSettings; schema: string; settings: MessageLogSettings };
}

export function loadCliConfig(env: Env): CliConfig {
  return {
    kafka: loadKafkaSettings(env, 'lgsp-cli', 'lgsp-operator'),
    callersFile: callersFile(env),
    apiKey: optional(env, 'LGSP_API_KEY'),
    serviceUrls: {
      dossier: str(env, 'LGSP_DOSSIER_URL', 'http://127.0.0.1:3001'),
      land: str(env, 'LGSP_LAND_URL', 'http://127.0.0.1:3002'),
      health: str(env, 'LGSP_HEALTH_URL', 'http://127.0.0.1:3003'),
    },
    gatewayUrl: str(env, 'LGSP_GATEWAY_URL', 'http://127.0.0.1:4000'),
    adminUrl: str(env, 'LGSP_ADMIN_URL', 'http://127.0.0.1:3100'),
    audit: loadAuditSettings(env),
    messageLog: {
      store: loadStoreSettings(env, 'national-bridge'),
      schema: str(env, 'LGSP_MESSAGE_LOG_SCHEMA', MESSAGE_LOG_SCHEMA),
      settings: loadMessageLogSettings(env),
    },
  };
}
