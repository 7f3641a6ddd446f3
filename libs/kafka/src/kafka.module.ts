import {
  ConfigurableModuleBuilder,
  Inject,
  Injectable,
  Module,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kafka, type Admin, type KafkaConfig } from 'kafkajs';
import { HealthChecks, LOGGER, type HealthCheck, type Logger } from '@lgsp/observability';
import { EventProducer } from './event-producer';
import { createKafka, type KafkaSettings } from './kafka-config';
import { ensureTopics, hubTopics, type TopicLog, type TopicSpec } from './topic-admin';

export interface KafkaModuleOptions {
  settings: KafkaSettings;
  /** reaches the kafkajs client config (tests cut the network to the broker with it) */
  overrides?: Partial<KafkaConfig>;
  /** the topics created (or aligned) on init: the hub's topics when absent, none when empty */
  topics?: TopicSpec[];
  /** bounds one produce request, retries included (see EventProducer) */
  sendTimeoutMs?: number;
  /**
   * readiness checks this module adds: `kafka` (the cluster answers metadata) and `kafka-produce`
   * (produce requests succeed, or could again: leaders with enough in-sync replicas)
   */
  readiness?: ('kafka' | 'kafka-produce')[];
}

const builder = new ConfigurableModuleBuilder<KafkaModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
const KAFKA_OPTIONS = builder.MODULE_OPTIONS_TOKEN;

/**
 * Opens and closes the app's Kafka connections: on init the topics are ensured, then the producer
 * connects (a broker that does not answer fails start-up); on shutdown, after every module that
 * produces has stopped, the producer and the readiness admin disconnect.
 */
@Injectable()
export class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  private admin?: Admin;

  constructor(
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
    private readonly kafka: Kafka,
    private readonly producer: EventProducer,
    @Optional() private readonly health?: HealthChecks,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const { settings, topics = hubTopics(settings), readiness = [] } = this.options;
    if (topics.length > 0) {
      const created = await ensureTopics(this.kafka, settings, topics, this.topicLog());
      if (created.length > 0) this.logger?.info({ topics: created }, 'created topics');
    }
    await this.producer.connect();
    if (readiness.includes('kafka')) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
      this.health?.add({ name: 'kafka', check: async () => void (await admin.describeCluster()) });
    }
    if (readiness.includes('kafka-produce')) this.health?.add(this.produceCheck());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
    await this.producer.disconnect();
  }

  /** The cluster may answer metadata while writes fail (no leader, too few in-sync replicas). */
  private produceCheck(): HealthCheck {
    const { minInsyncReplicas } = this.options.settings;
    return { name: 'kafka-produce', check: () => this.producer.assertCanProduce(minInsyncReplicas) };
  }

  private topicLog(): TopicLog | undefined {
    const logger = this.logger;
    return logger && ((msg, fields) => logger.warn(fields, msg));
  }
}

/**
 * The app's Kafka client (`Kafka`, the kafkajs class as token) and its `EventProducer`. Global, so
 * the connections open before and close after every module that uses them. `forRoot(options)` or
 * `forRootAsync({ inject, useFactory })` when the options depend on other providers (ingest's topics
 * follow from its callers file).
 */
@Module({
  providers: [
    {
      provide: Kafka,
      inject: [KAFKA_OPTIONS],
      useFactory: (options: KafkaModuleOptions) => createKafka(options.settings, options.overrides),
    },
    {
      provide: EventProducer,
      inject: [Kafka, KAFKA_OPTIONS],
      useFactory: (kafka: Kafka, options: KafkaModuleOptions) =>
        new EventProducer(kafka, { sendTimeoutMs: options.sendTimeoutMs }),
    },
    KafkaLifecycle,
  ],
  exports: [Kafka, EventProducer],
})
export class KafkaModule extends builder.ConfigurableModuleClass {}
