import { Module, type DynamicModule } from '@nestjs/common';
import type { KafkaConfig } from 'kafkajs';
import { AuditModule } from '@lgsp/audit';
import { AuthModule, loadOwnershipRules } from '@lgsp/auth';
import { readSchemaFiles, Topics } from '@lgsp/contracts';
import { subgraphModule } from '@lgsp/domain-service';
import { KafkaModule } from '@lgsp/kafka';
import { MessageLogModule } from '@lgsp/message-log';
import {
  createNationalAdapter,
  encodeClientId,
  EXCHANGE_RECORDER,
  LoggedNationalAdapter,
  type ExchangeRecorder,
  type NationalAdapter,
} from '@lgsp/national';
import { LOGGER, ObservabilityModule, type Logger } from '@lgsp/observability';
import { PolicyModule } from '@lgsp/policy';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { StoreModule } from '@lgsp/store';
import { BridgeMetrics } from './bridge.metrics';
import {
  BRIDGE_SOURCE,
  BridgeConsumer,
  BridgeConsumerController,
  RedriveService,
  type BridgeSource,
} from './bridge-consumer';
import { XRoadProviderModule } from './inbound';
import { DELIVERY_SETTINGS, DeliveryLoop, type DeliverySettings } from './delivery-loop.service';
import { NATIONAL_ADAPTER, NATIONAL_ADAPTER_SETTINGS } from './national-adapter.provider';
import type { NationalBridgeConfig } from './national-bridge.config';
import { DossierNationalSyncResolver, nationalSyncSchema } from './national-sync.graphql';
import { PLANNER_PARTS, SyncPlanner, type PlannerParts } from './sync-planner.service';
import { SyncRepository } from './sync.repository';

export interface NationalBridgeOverrides {
  /** reaches the kafkajs client config (tests cut the network to the broker with it) */
  kafka?: Partial<KafkaConfig>;
  /** wraps the adapter the configuration names (a recorder of every exchange, say) */
  wrapAdapter?: (adapter: NationalAdapter) => NationalAdapter;
}

/**
 * The outbound national bridge: the dossier topic consumed into the delivery ledger (SyncPlanner), the
 * delivery loop towards the national side (DeliveryLoop over the NATIONAL_ADAPTER), redrives of parked calls,
 * metrics and readiness, and the subgraph that shows each dossier's delivery state.
 */
@Module({})
export class NationalBridgeModule {
  static forRoot(config: NationalBridgeConfig, overrides: NationalBridgeOverrides = {}): DynamicModule {
    const audit = AuditModule.forRoot(config);
    // One message log for both directions: the outbound adapter is wrapped in it, the inbound endpoint records into it.
    const messageLog = MessageLogModule.forRoot({
      messageLog: config.messageLog,
      auditSubjectKey: config.auditSubjectKey,
      audit: config.audit,
    });
    const wrap = overrides.wrapAdapter ?? ((adapter: NationalAdapter) => adapter);
    return {
      module: NationalBridgeModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'national-bridge', logLevel: config.logLevel }),
        StoreModule.forRoot(config.store),
        KafkaModule.forRoot({ settings: config.kafka, overrides: overrides.kafka, readiness: ['kafka'] }),
        AuthModule.forRoot(config.callersFile),
        PolicyModule.forRoot(config.policyFile),
        audit,
        subgraphModule(config, nationalSyncSchema, audit),
        messageLog,
        XRoadProviderModule.forRoot({ config: config.provider, imports: [messageLog] }),
      ],
      controllers: [BridgeConsumerController],
      providers: [
        SyncRepository,
        BridgeMetrics,
        {
          provide: PLANNER_PARTS,
          useFactory: (): PlannerParts => ({
            registry: new SchemaRegistry(readSchemaFiles(config.schemasDir)),
            ownership: loadOwnershipRules(config.policyFile),
            mapping: {
              systemActor: config.systemActor,
              agencyName: (code) => config.agencyNames[code],
            },
          }),
        },
        SyncPlanner,
        { provide: NATIONAL_ADAPTER_SETTINGS, useValue: config.adapter },
        {
          provide: NATIONAL_ADAPTER,
          inject: [NATIONAL_ADAPTER_SETTINGS, LOGGER, EXCHANGE_RECORDER],
          useFactory: (settings: NationalBridgeConfig['adapter'], log: Logger, recorder: ExchangeRecorder) =>
            wrap(
              new LoggedNationalAdapter(createNationalAdapter(settings, log), recorder, {
                client:
                  settings.kind === 'xroad-rest' ? encodeClientId(settings.client) : settings.agencyCode,
              }),
            ),
        },
        {
          provide: DELIVERY_SETTINGS,
          useValue: {
            retry: config.retry,
            breaker: config.breaker,
            concurrency: config.concurrency,
            consumerGroup: config.consumerGroup,
          } satisfies DeliverySettings,
        },
        DeliveryLoop,
        {
          provide: BRIDGE_SOURCE,
          useValue: {
            groupId: config.consumerGroup,
            dossierTopic: config.topic ?? Topics.events('dossier'),
            redriveTopic: Topics.nationalRedrive,
          } satisfies BridgeSource,
        },
        BridgeConsumer,
        RedriveService,
        DossierNationalSyncResolver,
      ],
    };
  }
}
