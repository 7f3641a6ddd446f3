import { Module, type DynamicModule } from '@nestjs/common';
import { mercuriusFederationPlugin } from '@mercuriusjs/federation';
import { ApiKeyRegistry, guardGraphql } from '@lgsp/auth';
import { Topics } from '@lgsp/contracts';
import { createFastifyApp, listen, type RunningApp } from '@lgsp/core';
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
): Promise<RunningApp & { repository: DossierRepository }> {
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
  const projection = new DossierProjectionService(repository, new SchemaRegistry());
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
    async close() {
      await app.close();
      await runner.stop();
      await producer.disconnect();
      await db.close();
    },
  };
}
