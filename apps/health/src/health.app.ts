import type { Env } from '@lgsp/core';
import { loadDomainServiceConfig, startDomainService, type DomainServiceConfig } from '@lgsp/domain-service';
import { healthResolvers, healthSchema } from './health.graphql';
import { HealthProjectionService } from './health-projection.service';
import { HealthRepository } from './health.repository';

/** HEALTH_PORT (3003), HEALTH_CONSUMER_GROUP (lgsp-health-projection) and the shared settings. */
export function loadHealthConfig(env: Env): DomainServiceConfig {
  return loadDomainServiceConfig(env, 'health', 3003);
}

/** The health service: projection of lgsp.health.events and the health subgraph (encounters, vaccinations). */
export function startHealth(config: DomainServiceConfig) {
  return startDomainService(config, {
    domain: 'health',
    readModel: HealthRepository,
    projection: (repository, { registry, ownership }) =>
      new HealthProjectionService(repository, registry, ownership),
    graphql: { typeDefs: healthSchema, resolvers: healthResolvers },
  });
}
