import { startDomainService } from '@lgsp/domain-service';
import type { DossierConfig } from './dossier.config';
import { dossierResolvers, dossierSchema } from './dossier.graphql';
import { DossierProjectionService } from './dossier-projection.service';
import { DossierRepository } from './dossier.repository';

/** The dossier service: projection of lgsp.dossier.events, the dossier subgraph, and read-model rebuilds. */
export function startDossier(config: DossierConfig) {
  return startDomainService(config, {
    domain: 'dossier',
    readModel: DossierRepository,
    projection: (repository, { registry, ownership }) =>
      new DossierProjectionService(repository, registry, ownership),
    graphql: { typeDefs: dossierSchema, resolvers: dossierResolvers },
  });
}
