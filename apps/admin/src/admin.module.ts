import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@lgsp/auth';
import { KafkaModule } from '@lgsp/kafka';
import { ObservabilityModule } from '@lgsp/observability';
import { OperationsModule } from '@lgsp/operations';
import { StoreModule } from '@lgsp/store';
import type { AdminConfig } from './admin.config';
import { AuditController } from './controllers/audit.controller';
import { DeadLettersController } from './controllers/dead-letters.controller';
import { ReplayController } from './controllers/replay.controller';
import { SchemasController } from './controllers/schemas.controller';
import { TopicsController } from './controllers/topics.controller';

/**
 * The operator's admin API: the CLI's operations over HTTP for a future console, through the same
 * OperationsService. Every route but /audit/keys and the probes needs an operator key; every bulk
 * write needs "confirm": true and is recorded in the operator audit trail (the admin's store, copied
 * to lgsp.audit). Read-model rebuilds live on the service that owns the model (POST <service>/admin/rebuild).
 */
@Module({})
export class AdminModule {
  static forRoot(config: AdminConfig): DynamicModule {
    return {
      module: AdminModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'admin', logLevel: config.logLevel }),
        AuthModule.forRoot(config.callersFile),
        KafkaModule.forRoot({ settings: config.kafka, readiness: ['kafka'] }),
        StoreModule.forRoot(config.store),
        OperationsModule.forRoot({ settings: config.kafka, audit: config.audit, via: 'admin-api' }),
      ],
      controllers: [
        TopicsController,
        ReplayController,
        DeadLettersController,
        SchemasController,
        AuditController,
      ],
    };
  }
}
