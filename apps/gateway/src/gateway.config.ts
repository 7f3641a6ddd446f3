import { loadAuditSettings, loadAuditSubjectKey, type AuditSettings } from '@lgsp/audit';
import { bool, callersFile, ConfigError, int, policyFile, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import { loadIntrospectionAccess, type IntrospectionAccess } from '@lgsp/policy';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface GatewayConfig {
  port: number;
  host: string;
  callersFile: string;
  /** the gateway's own key towards subgraphs (schema fetch); consumers' keys are forwarded as they are */
  serviceKey: string;
  subgraphs: { name: string; url: string }[];
  graphiql: boolean;
  /** who sees the schema (introspection and suggestions): operators only in production */
  introspection: IntrospectionAccess;
  logLevel: string;
  policyFile: string;
  kafka: KafkaSettings;
  /** the audit store (hash-chained entries) */
  store: StoreSettings;
  /** HMAC key for personal ids in the audit trail */
  auditSubjectKey: string;
  /** signing key, published keys, anchor and copy intervals of the audit trail */
  audit: AuditSettings;
}

/** GATEWAY_SUBGRAPHS: comma-separated name=url pairs. */
function parseSubgraphs(raw: string): { name: string; url: string }[] {
  return raw.split(',').map((pair) => {
    const [name, url] = pair.split('=').map((s) => s.trim());
    if (!name || !url || !/^https?:\/\//.test(url))
      throw new ConfigError('GATEWAY_SUBGRAPHS', `bad entry "${pair}", want name=http://host:port/graphql`);
    return { name, url };
  });
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  return {
    port: int(env, 'GATEWAY_PORT', 4000, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    callersFile: callersFile(env),
    serviceKey: str(env, 'GATEWAY_SERVICE_KEY', 'dev-gateway-service-key'),
    subgraphs: parseSubgraphs(
      str(
        env,
        'GATEWAY_SUBGRAPHS',
        'dossier=http://127.0.0.1:3001/graphql,land=http://127.0.0.1:3002/graphql,health=http://127.0.0.1:3003/graphql',
      ),
    ),
    graphiql: bool(env, 'GATEWAY_GRAPHIQL', env.NODE_ENV !== 'production'),
    introspection: loadIntrospectionAccess(env),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    policyFile: policyFile(env),
    kafka: loadKafkaSettings(env, 'lgsp-gateway'),
    store: loadStoreSettings(env, 'gateway'),
    auditSubjectKey: loadAuditSubjectKey(env),
    audit: loadAuditSettings(env),
  };
}
