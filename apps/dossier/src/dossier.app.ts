import { Module, type DynamicModule } from '@nestjs/common';
import { mercuriusFederationPlugin } from '@mercuriusjs/federation';
import { OperatorAudit } from '@lgsp/audit';
import { ApiKeyRegistry, guardedRoute, guardGraphql } from '@lgsp/auth';
import { readSchemaFiles, Topics } from '@lgsp/contracts';
import type { FastifyInstance } from 'fastify';
import { createFastifyApp, HubError, listen, type RunningApp } from '@lgsp/core';
import { ConsumerRunner, createKafka, ensureTopics, EventProducer } from '@lgsp/kafka';
import {
  createLogger,
  createMetricsRegistry,
  registerOpsRoutes,
  type HealthCheck,
} from '@lgsp/observability';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { openDatabase } from '@lgsp/store';
import type { DossierConfig } from './dossier.config';
import { dossierResolvers, dossierSchema } from './dossier.graphql';
import { DossierProjectionService } from './dossier-projection.service';
import { DossierRebuildService } from './dossier-rebuild.service';
import { DossierRepository } from './dossier.repository';

@Module({})
class DossierModule {
  static register(): DynamicModule {
    return { module: DossierModule };
  }
}

/** The dossier service: projection of lgsp.dossier.events and the dossier GraphQL subgraph. */
export async function startDossier(
  config: DossierConfig,
): Promise<RunningApp & { repository: DossierRepository; rebuild: DossierRebuildService }> {
  const log = createLogger('dossier', config.logLevel);
  const metrics = createMetricsRegistry('dossier');
  const callers = ApiKeyRegistry.fromFile(config.callersFile);
  const db = await openDatabase(config.store);
  const repository = new DossierRepository(db);
  await repository.migrate();

  const kafka = createKafka(config.kafka);
  await ensureTopics(kafka, config.kafka);
  const producer = new EventProducer(kafka);
  await producer.connect();
  const registry = new SchemaRegistry(readSchemaFiles(config.schemasDir));
  const projection = new DossierProjectionService(repository, registry);
  const rebuild = new DossierRebuildService(db, kafka, registry, Topics.events('dossier'), repository);
  const audit = new OperatorAudit(producer, 'admin-api');
  const runner = new ConsumerRunner(kafka, producer, {
    groupId: config.consumerGroup,
    topics: [Topics.events('dossier')],
    handler: (records) => projection.handle(records),
    metrics,
    log: (level, msg, fields) => log[level](fields ?? {}, msg),
  });
  runner.startInBackground();

  const checks: HealthCheck[] = [
    { name: 'database', check: async () => void (await db.query('SELECT 1')) },
    { name: 'projection', check: () => runner.assertRunning() },
  ];
  const onInternal = (error: unknown): void => log.error({ err: error }, 'unhandled error');
  const app = await createFastifyApp(DossierModule.register(), { onInternal });
  const fastify = app.getHttpAdapter().getInstance();
  registerOpsRoutes(fastify, metrics, checks);
  registerRebuildRoutes(fastify, callers, rebuild, audit, onInternal);
  // A subgraph verifies its callers itself: the gateway forwards the consumer's key.
  guardGraphql(fastify, callers, 'consumer', 'gateway');
  await fastify.register(mercuriusFederationPlugin, {
    schema: dossierSchema,
    resolvers: dossierResolvers(repository) as never,
    graphiql: false,
    path: '/graphql',
  });
  const url = await listen(app, config.port, config.host);
  log.info({ url }, 'dossier subgraph listening');
  return {
    app,
    url,
    repository,
    rebuild,
    async close() {
      await app.close();
      await rebuild.cancel();
      await runner.stop();
      await producer.disconnect();
      await db.close();
    },
  };
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
