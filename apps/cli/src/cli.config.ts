import { join } from 'node:path';
import { loadAuditSettings, type AuditSettings } from '@lgsp/audit';
import { optional, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';

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
}

export function loadCliConfig(env: Env): CliConfig {
  return {
    kafka: loadKafkaSettings(env, 'lgsp-cli', 'lgsp-operator'),
    callersFile: str(
      env,
      'LGSP_CALLERS_FILE',
      join(__dirname, '..', '..', '..', 'config', 'callers.dev.json'),
    ),
    apiKey: optional(env, 'LGSP_API_KEY'),
    serviceUrls: {
      dossier: str(env, 'LGSP_DOSSIER_URL', 'http://127.0.0.1:3001'),
      land: str(env, 'LGSP_LAND_URL', 'http://127.0.0.1:3002'),
      health: str(env, 'LGSP_HEALTH_URL', 'http://127.0.0.1:3003'),
    },
    gatewayUrl: str(env, 'LGSP_GATEWAY_URL', 'http://127.0.0.1:4000'),
    adminUrl: str(env, 'LGSP_ADMIN_URL', 'http://127.0.0.1:3100'),
    audit: loadAuditSettings(env),
  };
}
