import { Module, type DynamicModule } from '@nestjs/common';
import type { KafkaConfig } from 'kafkajs';
import { ApiKeyRegistry, AuthModule, loadOwnershipRules } from '@lgsp/auth';
import { hubTopics, KafkaModule, kafkaPublishers } from '@lgsp/kafka';
import { ObservabilityModule } from '@lgsp/observability';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { DATABASE, StoreModule, type Database } from '@lgsp/store';
import type { IngestConfig } from './ingest.config';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { OWNERSHIP_RULES } from './ingest.tokens';
import { IngressConsumer, IngressController } from './ingress-consumer';
import { ReceiptRepository } from './receipt.repository';

export interface IngestOverrides {
  /** reaches the Kafka client config (tests use it to cut the network to the broker) */
  kafka?: Partial<KafkaConfig>;
}

/**
 * The ingest app: the CloudEvents HTTP API (IngestController → IngestService → receipts and the
 * producer) and the validator of the ingress topics (IngressConsumer). Logs, metrics and readiness,
 * callers, the store and Kafka come from their modules; ingest's readiness is Kafka (metadata and
 * produce), its database and its ingress validator.
 */
@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig, overrides: IngestOverrides = {}): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'ingest', logLevel: config.logLevel }),
        AuthModule.forRoot(config.callersFile),
        StoreModule.forRoot(config.store),
        KafkaModule.forRootAsync({
          inject: [ApiKeyRegistry],
          useFactory: (callers: ApiKeyRegistry) => ({
            settings: config.kafka,
            overrides: overrides.kafka,
            // Each Kafka-native publisher of the callers file has its own ingress topic per domain it publishes.
            topics: hubTopics(config.kafka, kafkaPublishers(callers.list())),
            sendTimeoutMs: config.publishTimeoutMs,
            readiness: ['kafka', 'kafka-produce'],
          }),
        }),
      ],
      controllers: [IngestController, IngressController],
      providers: [
        { provide: SchemaRegistry, useFactory: () => new SchemaRegistry() },
        { provide: OWNERSHIP_RULES, useFactory: () => loadOwnershipRules(config.policyFile) },
        {
          provide: ReceiptRepository,
          inject: [DATABASE],
          useFactory: (db: Database) =>
            new ReceiptRepository(db, { abandonedAfterSeconds: config.claimTakeoverSeconds }),
        },
        IngestService,
        IngressConsumer,
      ],
    };
  }
}
