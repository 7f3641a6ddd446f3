import type { Env } from '@lgsp/core';
import { loadDomainServiceConfig, type DomainServiceConfig } from '@lgsp/domain-service';

export type DossierConfig = DomainServiceConfig;

/** DOSSIER_PORT (3001), DOSSIER_CONSUMER_GROUP (lgsp-dossier-projection) and the shared settings. */
export function loadDossierConfig(env: Env): DossierConfig {
  return loadDomainServiceConfig(env, 'dossier', 3001);
}
