import { Module, type DynamicModule } from '@nestjs/common';
import type { KafkaConfig } from 'kafkajs';
import { ApiKeyRegistry, loadOwnershipRules } from '@lgsp/auth';
import { Domains, Topics } from '@lgsp/contracts';
import { configureFastify, createFastifyApp, listen, type RunningApp } from '@lgsp/core';
import {
  ConsumerRunner,
  createKafka,
  ensureTopics,
  EventProducer,
  hubTopics,
  kafkaPublishers,
} from '@lgsp/kafka';
import {
  createLogger,
  createMetricsRegistry,
  databaseCheck,
  registerOpsRoutes,
  type HealthCheck,
} from '@lgsp/observability';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { openDatabase } from '@lgsp/store';
import { IngestController } from './ingest.controller';
import type { IngestConfig } from './ingest.config';
import { IngestService } from './ingest.service';
import { IngressValidator } from './ingress-validator';
import { ReceiptRepository } from './receipt.repository';

@Module({})
class IngestModule {
  static register(service: IngestService): DynamicModule {
    return {
      module: IngestModule,
      controllers: [IngestController],
      providers: [{ provide: IngestService, useValue: service }],
    };
  }
}

/** Wires the ingest app: adapters first (database, Kafka), then the HTTP edge. */
/** `overrides.kafka` reaches the Kafka client config (tests use it to cut the network to the broker). */
export async function startIngest(
  config: IngestConfig,
  overrides: { kafka?: Partial<KafkaConfig> } = {},
): Promise<RunningApp> {
  const log = createLogger('ingest', config.logLevel);
  const metrics = createMetricsRegistry('ingest');
  const registry = new SchemaRegistry();
  const callers = ApiKeyRegistry.fromFile(config.callersFile);
  const ownership = loadOwnershipRules(config.policyFile);

  const db = await openDatabase(config.store, (level, msg, fields) => log[level](fields ?? {}, msg));
  const receipts = new ReceiptRepository(db, { abandonedAfterSeconds: config.claimTakeoverSeconds });
  await receipts.migrate();

  const kafka = createKafka(config.kafka, overrides.kafka);
  // Each Kafka-native publisher of the callers file has its own ingress topic per domain it publishes.
  const publishers = kafkaPublishers(callers.list());
  const created = await ensureTopics(kafka, config.kafka, hubTopics(config.kafka, publishers));
  if (created.length > 0) log.info({ topics: created }, 'created topics');
  const producer = new EventProducer(kafka, { sendTimeoutMs: config.publishTimeoutMs });
  await producer.connect();

  // One validator per ingress topic; a batch always comes from one topic-partition.
  const validators = new Map<string, IngressValidator>(
    Domains.map((domain) => [
      Topics.ingress(domain),
      new IngressValidator(domain, registry, producer, ownership),
    ]),
  );
  for (const { agency, domains } of publishers)
    for (const domain of domains)
      validators.set(
        Topics.agencyIngress(domain, agency),
        new IngressValidator(domain, registry, producer, ownership, {
          agency,
          caller: callers.list().find((c) => c.id === agency),
          callers,
        }),
      );
  const ingress = new ConsumerRunner(kafka, producer, {
    groupId: 'lgsp-ingest-validator',
    topics: [...validators.keys()],
    handler: async (records) => {
      const validator = validators.get(records[0].topic);
      if (!validator) throw new Error(`no validator for topic ${records[0].topic}`);
      return validator.handle(records);
    },
    metrics,
    log: (level, msg, fields) => log[level](fields ?? {}, msg),
  });
  ingress.startInBackground();

  const admin = kafka.admin();
  await admin.connect();
  const checks: HealthCheck[] = [
    { name: 'kafka', check: async () => void (await admin.describeCluster()) },
    // The cluster may answer metadata while writes fail (no leader, too few in-sync replicas).
    { name: 'kafka-produce', check: () => producer.assertCanProduce(config.kafka.minInsyncReplicas) },
    databaseCheck(db),
    { name: 'ingress-validator', check: () => ingress.assertRunning() },
  ];
  const service = new IngestService(registry, callers, ownership, producer, receipts, metrics);

  const onInternal = (error: unknown): void => log.error({ err: error }, 'unhandled error');
  const app = await createFastifyApp(IngestModule.register(service), {
    bodyLimit: config.bodyLimitBytes,
    onInternal,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerOpsRoutes(fastify, metrics, checks);
  configureFastify(fastify, [
    'application/json',
    'application/cloudevents+json',
    'application/cloudevents-batch+json',
  ]);
  const url = await listen(app, config.port, config.host);
  log.info({ url }, 'ingest listening');

  return {
    app,
    url,
    async close() {
      await app.close();
      await ingress.stop();
      await admin.disconnect();
      await producer.disconnect();
      await db.close();
    },
  };
}
