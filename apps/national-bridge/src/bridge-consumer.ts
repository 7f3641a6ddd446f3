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
import { DeliveryLoop, type RedriveRequest } from './delivery-loop.service';
import { SyncPlanner } from './sync-planner.service';
import { SyncRepository } from './sync.repository';

/** The patterns of the bridge's KafkaBatchServer: the dossier topic and the redrive requests. */
export const DOSSIER_EVENTS = 'dossier.events';
export const NATIONAL_REDRIVE = 'national.redrive';

/** Where the bridge consumes: its consumer group and its topics. */
export interface BridgeSource {
  groupId: string;
  dossierTopic: string;
  redriveTopic: string;
}

export const BRIDGE_SOURCE = Symbol('LGSP_NATIONAL_BRIDGE_SOURCE');

/**
 * The bridge's @nestjs/microservices transport: one consumer group (its own) over the dossier topic and the
 * redrive topic, with the runner's semantics (batches, commit after the handler's transaction). The app
 * connects it once every module is initialised; readiness (`consumer`) fails until then and after it stops.
 */
@Injectable()
export class BridgeConsumer implements OnModuleInit {
  readonly server: KafkaBatchServer;

  constructor(
    kafka: Kafka,
    producer: EventProducer,
    metrics: MetricsRegistry,
    @InjectLogger() log: Logger,
    @Inject(BRIDGE_SOURCE) source: BridgeSource,
    private readonly health: HealthChecks,
  ) {
    this.server = new KafkaBatchServer({
      kafka,
      producer,
      groupId: source.groupId,
      topics: { [DOSSIER_EVENTS]: source.dossierTopic, [NATIONAL_REDRIVE]: source.redriveTopic },
      metrics,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
  }

  onModuleInit(): void {
    this.health.add({ name: 'consumer', check: () => this.server.assertRunning() });
  }
}

/**
 * Redrive requests (a parked call's dead letter, written back by `lgsp dlq redrive`): the parked call is
 * pending again with fresh tries and its dossier goes on. A request that names no call is a dead letter.
 */
@Injectable()
export class RedriveService {
  constructor(
    private readonly repository: SyncRepository,
    private readonly loop: DeliveryLoop,
    @InjectLogger() private readonly log: Logger,
  ) {}

  async apply(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    const dead: DeadLetter[] = [];
    for (const record of records) {
      const request = readRequest(record);
      if (!request) {
        dead.push({
          record,
          code: 'LGSP_ERR_NATIONAL_BAD_REDRIVE',
          detail: 'not a redrive request: want JSON { dossierCode, seq }',
        });
        continue;
      }
      const again = await this.repository.unpark(request.dossierCode, request.seq);
      this.log.info(
        { code: request.dossierCode, seq: request.seq, redriven: again },
        again ? 'parked national call redriven' : 'redrive request for a call that is not parked',
      );
      if (again) this.loop.wake([request.dossierCode]);
    }
    return dead;
  }
}

function readRequest(record: ConsumedRecord): Pick<RedriveRequest, 'dossierCode' | 'seq'> | undefined {
  try {
    const value = JSON.parse(record.value?.toString('utf8') ?? '') as Partial<RedriveRequest>;
    if (typeof value.dossierCode === 'string' && value.dossierCode && Number.isInteger(value.seq))
      return { dossierCode: value.dossierCode, seq: value.seq as number };
  } catch {
    // not JSON: a dead letter below
  }
  return undefined;
}

/** The batches of the bridge's two topics, as KafkaBatchServer hands them over. */
@Controller()
export class BridgeConsumerController {
  constructor(
    private readonly planner: SyncPlanner,
    private readonly loop: DeliveryLoop,
    private readonly redrives: RedriveService,
  ) {}

  @ConsumeBatch(DOSSIER_EVENTS)
  async plan(@Payload() records: ConsumedRecord[]): Promise<DeadLetter[]> {
    this.loop.wake(await this.planner.plan(records));
    return [];
  }

  @ConsumeBatch(NATIONAL_REDRIVE)
  redrive(@Payload() records: ConsumedRecord[]): Promise<DeadLetter[]> {
    return this.redrives.apply(records);
  }
}
