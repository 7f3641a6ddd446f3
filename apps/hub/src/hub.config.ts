import type { AuditSettings } from '@lgsp/audit';
import { ConfigError, optional, type Env } from '@lgsp/core';
import type { DomainServiceConfig } from '@lgsp/domain-service';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';
import { loadAdminConfig, type AdminConfig } from '../../admin/src/admin.config';
import { loadDossierConfig } from '../../dossier/src/dossier.config';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/src/gateway.config';
import { loadHealthConfig } from '../../health/src/health.app';
import { loadIngestConfig, type IngestConfig } from '../../ingest/src/ingest.config';
import { loadLandConfig } from '../../land/src/land.app';
import {
  loadNationalBridgeConfig,
  type NationalBridgeConfig,
} from '../../national-bridge/src/national-bridge.config';
import { loadNationalSimConfig, type NationalSimConfig } from '../../national-sim/src/national-sim.config';

/** Every service's own configuration, from the same environment as when each runs alone. */
export interface HubConfig {
  ingest: IngestConfig;
  dossier: DomainServiceConfig;
  land: DomainServiceConfig;
  health: DomainServiceConfig;
  gateway: GatewayConfig;
  admin: AdminConfig;
  /** the bridge to the national side: dossier sync out, the X-Road provider endpoint in */
  nationalBridge: NationalBridgeConfig;
  /** GATEWAY_SUBGRAPHS unset: the gateway federates the hub's own subgraphs, wherever they listen */
  ownSubgraphs: boolean;
  /**
   * No national side configured (neither LGSP_DVCQG_URL nor LGSP_XROAD_SECURITY_SERVER_URL): the hub starts the
   * simulator of it (apps/national-sim), with its development account, so that the whole hub runs on a laptop.
   */
  nationalSim?: NationalSimConfig;
}

/**
 * The services' configurations with one store: PostgreSQL when DATABASE_URL is set, else one PGlite
 * in <LGSP_PGLITE_DIR>/hub (default .local/pglite/hub) that every service opens (libs/store shares an
 * instance per folder), each in its own schemas. On PGlite each service's audit trail has a schema of
 * its own too (audit_<service>); on PostgreSQL they keep the one `audit` schema they share when each
 * runs alone, so an existing database keeps its chains.
 */
export function loadHubConfig(env: Env): HubConfig {
  const store = loadStoreSettings(env, 'hub');
  const own = <C extends { store: StoreSettings; audit: AuditSettings }>(service: string, config: C): C => ({
    ...config,
    store,
    audit: store.databaseUrl ? config.audit : { ...config.audit, schema: `audit_${service}` },
  });
  // The simulator stands in for the nation on a laptop only: in production, dossiers "delivered" to it would be
  // marked delivered and never reach the portal.
  if (!nationalConfigured(env) && env.NODE_ENV === 'production')
    throw new ConfigError(
      'LGSP_DVCQG_URL',
      'production needs the national side: set LGSP_DVCQG_URL or LGSP_XROAD_SECURITY_SERVER_URL (the simulator is for development)',
    );
  const nationalSim = nationalConfigured(env) ? undefined : loadNationalSimConfig(env);
  const gateway = own('gateway', loadGatewayConfig(env));
  const bridgeEnv: Env = {
    // The inbound endpoint answers from this hub's gateway unless told otherwise.
    LGSP_XROAD_GATEWAY_URL: `http://${gateway.host}:${gateway.port}/graphql`,
    LGSP_DVCQG_AGENCY_CODE: DevAgencyCode,
    ...env,
    // With the simulator, the bridge syncs to it with its account (its URL is known once it listens).
    ...(nationalSim
      ? {
          LGSP_NATIONAL_ADAPTER: 'dvcqg-rest',
          LGSP_DVCQG_USERNAME: nationalSim.username,
          LGSP_DVCQG_PASSWORD: nationalSim.password,
        }
      : {}),
  };
  return {
    ingest: { ...loadIngestConfig(env), store },
    dossier: own('dossier', loadDossierConfig(env)),
    land: own('land', loadLandConfig(env)),
    health: own('health', loadHealthConfig(env)),
    gateway,
    admin: own('admin', loadAdminConfig(env)),
    nationalBridge: own('national_bridge', loadNationalBridgeConfig(bridgeEnv)),
    ownSubgraphs: optional(env, 'GATEWAY_SUBGRAPHS') === undefined,
    ...(nationalSim ? { nationalSim } : {}),
  };
}

/** madonvi of the province in development (the provider of config/national-access.json is its LGSP). */
const DevAgencyCode = '000.00.00.H22';

/** Whether a national side is configured: the DVCQG sync service, or the province's X-Road security server. */
export function nationalConfigured(env: Env): boolean {
  return (
    optional(env, 'LGSP_DVCQG_URL') !== undefined ||
    optional(env, 'LGSP_XROAD_SECURITY_SERVER_URL') !== undefined
  );
}
