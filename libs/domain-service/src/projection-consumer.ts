import { Controller, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Kafka } from 'kafkajs';
import {
  ConsumeBatch,
  EventProducer,
  KafkaBatchServer,
  type ConsumedRecord,
  type DeadLetter,
} from '@lgsp/kafka';
import { HealthChecks, InjectLogger, MetricsRegistry, type Logger } from '@lgsp/observability';
import type { Queryable } from '@lgsp/store';

/** A projection of a domain topic into a read model: applies a batch (inside `tx` when given). */
export interface Projection {
  handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]>;
}

/** The live projection of the service (the spec's projection into the live read model). */
export const PROJECTION = Symbol('LGSP_PROJECTION');
/** Where the projection consumes: its consumer group and its topic. */
export const PROJECTION_SOURCE = Symbol('LGSP_PROJECTION_SOURCE');

export interface ProjectionSource {
  groupId: string;
  topic: string;
}

/** The pattern of the service's domain topic on its KafkaBatchServer (the topic itself is in the source). */
export const DOMAIN_EVENTS = 'domain.events';

/**
 * The consumer side of a domain service: `server` is the app's KafkaBatchServer (a @nestjs/microservices
 * transport) over the domain topic, with the runner's semantics (batches, commit after the projection's
 * transaction, DLQ, back-off). startDomainService connects it once every module is initialised (read model
 * migrated, producer connected); Nest closes it with the app, before the audit trail, Kafka and the store.
 * Readiness (`projection`) fails until it has joined and after it has stopped.
 */
@Injectable()
export class ProjectionConsumer implements OnModuleInit {
  readonly server: KafkaBatchServer;

  constructor(
    kafka: Kafka,
    producer: EventProducer,
    metrics: MetricsRegistry,
    @InjectLogger() log: Logger,
    @Inject(PROJECTION_SOURCE) source: ProjectionSource,
    private readonly health: HealthChecks,
  ) {
    this.server = new KafkaBatchServer({
      kafka,
      producer,
      groupId: source.groupId,
      topics: { [DOMAIN_EVENTS]: source.topic },
      metrics,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
  }

  onModuleInit(): void {
    this.health.add({ name: 'projection', check: () => this.server.assertRunning() });
  }
}

/** The domain topic's batches, as KafkaBatchServer hands them over, to the live projection. */
@Controller()
export class ProjectionController {
  constructor(@Inject(PROJECTION) private readonly projection: Projection) {}

  @ConsumeBatch(DOMAIN_EVENTS)
  project(@Payload() records: ConsumedRecord[]): Promise<DeadLetter[]> {
    return this.projection.handle(records);
  }
}
