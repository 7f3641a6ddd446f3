import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { OperatorAudit, type AuditSettings, type OperatorAuditEntry } from '@lgsp/audit';
import { EventProducer, type KafkaSettings } from '@lgsp/kafka';
import { LOGGER, type Logger } from '@lgsp/observability';
import { DATABASE, type Database } from '@lgsp/store';
import { OperationsService } from './operations.service';

export interface OperationsModuleOptions {
  /** the hub's topics (see OperationsDeps) */
  settings: KafkaSettings;
  /** the operator chain's signing key, published keys and copy/anchor intervals */
  audit: AuditSettings;
  /** the surface the operations are asked on, as the audit trail names it */
  via: OperatorAuditEntry['via'];
}

const OPTIONS = Symbol('LGSP_OPERATIONS_OPTIONS');

/**
 * Keeps the operator chain of the app's audit store: migrated on init, then copied to lgsp.audit and
 * anchored in the background; stopped on shutdown (the last entries copied and the head anchored),
 * before the global Kafka and store modules close the producer and the database.
 */
@Injectable()
export class OperatorAuditLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly audit: OperatorAudit,
    @Inject(OPTIONS) private readonly options: OperationsModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.audit.migrate();
    this.audit.chain.start(this.options.audit);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.audit.chain.stop();
  }
}

/**
 * The OperationsService of an app that serves operators (the admin API), with its operator audit
 * trail in the app's store (`DATABASE`). Needs the global KafkaModule and StoreModule; exports the
 * service and the OperatorAudit (its chain is what the app's audit endpoints verify).
 */
@Module({})
export class OperationsModule {
  static forRoot(options: OperationsModuleOptions): DynamicModule {
    return {
      module: OperationsModule,
      providers: [
        { provide: OPTIONS, useValue: options },
        {
          provide: OperatorAudit,
          inject: [EventProducer, DATABASE, { token: LOGGER, optional: true }],
          useFactory: (producer: EventProducer, db: Database, logger?: Logger) =>
            new OperatorAudit(
              producer,
              options.via,
              options.audit.signer,
              db,
              (error) => logger?.error({ err: error }, 'audit trail: write or copy to lgsp.audit failed'),
              options.audit.schema,
            ),
        },
        OperatorAuditLifecycle,
        {
          provide: OperationsService,
          inject: [Kafka, EventProducer, OperatorAudit],
          useFactory: (kafka: Kafka, producer: EventProducer, audit: OperatorAudit) =>
            new OperationsService({
              kafka,
              settings: options.settings,
              producer,
              audit,
              keyring: options.audit.keyring,
            }),
        },
      ],
      exports: [OperationsService, OperatorAudit],
    };
  }
}
