import type { Env } from '@lgsp/core';
import { loadDomainServiceConfig, startDomainService, type DomainServiceConfig } from '@lgsp/domain-service';
import { landResolvers, landSchema } from './land.graphql';
import { LandProjectionService } from './land-projection.service';
import { LandRepository } from './land.repository';

/** LAND_PORT (3002), LAND_CONSUMER_GROUP (lgsp-land-projection) and the shared settings. */
export function loadLandConfig(env: Env): DomainServiceConfig {
  return loadDomainServiceConfig(env, 'land', 3002);
}

/** The land service: projection of lgsp.land.events and the land subgraph (parcels, holders, history). */
export function startLand(config: DomainServiceConfig) {
  return startDomainService(config, {
    domain: 'land',
    readModel: LandRepository,
    projection: (repository, { registry, ownership }) =>
      new LandProjectionService(repository, registry, ownership),
    graphql: { typeDefs: landSchema, resolvers: landResolvers },
  });
}
