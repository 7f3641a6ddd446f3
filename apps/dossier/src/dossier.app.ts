import type { FastifyInstance } from 'fastify';
import { OperatorAudit } from '@lgsp/audit';
import { guardedRoute, type ApiKeyRegistry } from '@lgsp/auth';
import { Topics } from '@lgsp/contracts';
import { HubError, type RunningApp } from '@lgsp/core';
import { startDomainService } from '@lgsp/domain-service';
import type { Database } from '@lgsp/store';
import type { DossierConfig } from './dossier.config';
import { dossierResolvers, dossierSchema } from './dossier.graphql';
import { DossierProjectionService } from './dossier-projection.service';
import { DossierRebuildService } from './dossier-rebuild.service';
import { DossierRepository } from './dossier.repository';

/** The dossier service: projection of lgsp.dossier.events, the dossier subgraph, and read-model rebuilds. */
export async function startDossier(
  config: DossierConfig,
): Promise<RunningApp & { repository: DossierRepository; rebuild: DossierRebuildService; db: Database }> {
  let rebuild: DossierRebuildService | undefined;
  const running = await startDomainService(config, {
    domain: 'dossier',
    repository: (db) => new DossierRepository(db),
    projection: (repository, { registry }) => new DossierProjectionService(repository, registry),
    graphql: { schema: dossierSchema, resolvers: (repository) => dossierResolvers(repository) },
    routes: (fastify, repository, { db, kafka, registry, producer, callers }, onInternal) => {
      rebuild = new DossierRebuildService(db, kafka, registry, Topics.events('dossier'), repository);
      registerRebuildRoutes(fastify, callers, rebuild, new OperatorAudit(producer, 'admin-api'), onInternal);
    },
    beforeClose: async () => void (await rebuild?.cancel()),
  });
  if (!rebuild) throw new Error('rebuild routes were not registered');
  return { ...running, rebuild };
}

/**
 * The read model's admin endpoints (operator role): POST starts a rebuild (202), GET reports it,
 * DELETE cancels it. Start and end are written to the audit topic with the operator's identity.
 */
function registerRebuildRoutes(
  fastify: FastifyInstance,
  callers: ApiKeyRegistry,
  rebuild: DossierRebuildService,
  audit: OperatorAudit,
  onInternal: (error: unknown) => void,
): void {
  const operator = ['operator'] as const;
  fastify.post(
    '/admin/rebuild',
    guardedRoute(
      callers,
      [...operator],
      async (_request, caller) => {
        const status = rebuild.start(caller.id);
        const actor = { id: caller.id, name: caller.name, role: caller.role };
        const base = { actor, action: 'rebuild', target: 'dossier', params: { rebuildId: status.id } };
        await audit.record({ ...base, outcome: 'started' });
        void rebuild.finished().then(async (end) => {
          if (!end) return;
          const outcome =
            end.state === 'completed' ? 'completed' : end.state === 'cancelled' ? 'interrupted' : 'failed';
          await audit
            .record({ ...base, outcome, result: { ...end } })
            .catch((error: unknown) => onInternal(error));
        });
        return { status: 202, body: status };
      },
      onInternal,
    ),
  );
  fastify.get(
    '/admin/rebuild',
    guardedRoute(callers, [...operator], async () => {
      const status = rebuild.status();
      if (!status) throw new HubError('LGSP_ERR_NOT_FOUND', 'no rebuild has run since the service started');
      return { body: status };
    }),
  );
  fastify.delete(
    '/admin/rebuild',
    guardedRoute(callers, [...operator], async () => {
      const status = await rebuild.cancel();
      if (!status) throw new HubError('LGSP_ERR_NOT_FOUND', 'no rebuild has run since the service started');
      return { body: status };
    }),
  );
}
