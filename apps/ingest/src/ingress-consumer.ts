import { Controller, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Kafka } from 'kafkajs';
import { ApiKeyRegistry, type OwnershipRules } from '@lgsp/auth';
import { Domains, Topics } from '@lgsp/contracts';
import {
  ConsumeBatch,
  EventProducer,
  KafkaBatchServer,
  kafkaPublishers,
  type ConsumedRecord,
  type DeadLetter,
} from '@lgsp/kafka';
import { HealthChecks, InjectLogger, MetricsRegistry, type Logger } from '@lgsp/observability';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { OWNERSHIP_RULES } from './ingest.tokens';
import { IngressValidator } from './ingress-validator';

export const INGRESS_GROUP = 'lgsp-ingest-validator';
/** The pattern of the ingress topics on the ingest app's KafkaBatchServer. */
export const INGRESS_PATTERN = 'ingress';

/**
 * The validator of the ingress topics: one consumer group over the shared lgsp.ingress.<domain> topics
 * and each Kafka-native publisher's own lgsp.ingress.<domain>.<agency>, one validator per topic. `server`
 * is the app's KafkaBatchServer (a @nestjs/microservices transport) over those topics: startIngest
 * connects it once every module is initialised, and Nest closes it on shutdown before the producer
 * disconnects; readiness fails until it has joined and after it has stopped.
 */
@Injectable()
export class IngressConsumer implements OnModuleInit {
  private readonly validators = new Map<string, IngressValidator>();
  readonly server: KafkaBatchServer;

  constructor(
    kafka: Kafka,
    producer: EventProducer,
    registry: SchemaRegistry,
    callers: ApiKeyRegistry,
    @Inject(OWNERSHIP_RULES) ownership: OwnershipRules,
    metrics: MetricsRegistry,
    @InjectLogger() log: Logger,
    private readonly health: HealthChecks,
  ) {
    for (const domain of Domains)
      this.validators.set(
        Topics.ingress(domain),
        new IngressValidator(domain, registry, producer, ownership),
      );
    for (const { agency, domains } of kafkaPublishers(callers.list()))
      for (const domain of domains)
        this.validators.set(
          Topics.agencyIngress(domain, agency),
          new IngressValidator(domain, registry, producer, ownership, {
            agency,
            caller: callers.list().find((c) => c.id === agency),
            callers,
          }),
        );
    this.server = new KafkaBatchServer({
      kafka,
      producer,
      groupId: INGRESS_GROUP,
      topics: { [INGRESS_PATTERN]: [...this.validators.keys()] },
      metrics,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
  }

  /** A batch always comes from one topic-partition: the validator of that topic handles it. */
  async handle(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    const validator = this.validators.get(records[0].topic);
    if (!validator) throw new Error(`no validator for topic ${records[0].topic}`);
    return validator.handle(records);
  }

  onModuleInit(): void {
    this.health.add({ name: 'ingress-validator', check: () => this.server.assertRunning() });
  }
}

/** The ingress topics' batches, as KafkaBatchServer hands them over, to their validators. */
@Controller()
export class IngressController {
  constructor(private readonly ingress: IngressConsumer) {}

  @ConsumeBatch(INGRESS_PATTERN)
  validate(@Payload() records: ConsumedRecord[]): Promise<DeadLetter[]> {
    return this.ingress.handle(records);
  }
}
