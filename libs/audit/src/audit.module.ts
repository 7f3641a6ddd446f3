import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  UseGuards,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { ApiKeyGuard, CurrentCaller, Roles, type Caller } from '@lgsp/auth';
import { EventProducer } from '@lgsp/kafka';
import { LOGGER, type Logger } from '@lgsp/observability';
import { DATABASE, type Database } from '@lgsp/store';
import { AuditChain } from './audit-chain';
import type { AuditSettings } from './audit-keys';
import { repairRecorded } from './audit-routes';
import { verifyAuditTrail } from './audit-verify';
import { OperatorAudit } from './operator-audit';

export interface AuditModuleOptions {
  /** HMAC key for personal ids in the trail */
  auditSubjectKey: string;
  /** signing key, published keys, anchor and copy intervals */
  audit: AuditSettings;
}

const AUDIT_OPTIONS = Symbol('LGSP_AUDIT_OPTIONS');

/**
 * A service's audit trail: the chain of personal-data reads and the chain of operator actions, in the
 * service's store, copied to lgsp.audit and anchored in the background from init to shutdown. Write and
 * copy failures are logged (never shown to a consumer).
 */
@Injectable()
export class AuditTrail implements OnModuleInit, OnApplicationShutdown {
  readonly reads: AuditChain;
  readonly operator: OperatorAudit;

  constructor(
    @Inject(AUDIT_OPTIONS) private readonly options: AuditModuleOptions,
    @Inject(DATABASE) db: Database,
    producer: EventProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const { auditSubjectKey, audit } = options;
    const { signer, schema } = audit;
    this.reads = new AuditChain(db, producer, auditSubjectKey, signer, this.onError, schema);
    this.operator = new OperatorAudit(producer, 'admin-api', signer, db, this.onError, schema);
  }

  /** Told why an entry could not be written or copied. */
  readonly onError = (error: unknown): void =>
    this.logger.error({ err: error }, 'audit trail: write or copy to lgsp.audit failed');

  async onModuleInit(): Promise<void> {
    await this.reads.migrate();
    this.reads.chain.start(this.options.audit);
    this.operator.chain.start(this.options.audit);
  }

  /** After the service stopped answering, before the producer goes: the last entries copied, the heads anchored. */
  async onApplicationShutdown(): Promise<void> {
    await this.reads.chain.stop();
    await this.operator.chain.stop();
  }
}

/**
 * The audit endpoints of a service with an audit trail: GET /audit/keys (the published public keys,
 * for anyone who verifies the trail); for operators, GET /admin/audit/verify (both chains verified and
 * reconciled with lgsp.audit) and POST /admin/audit/repair (entries missing from lgsp.audit copied
 * again, itself recorded in the operator chain).
 */
@Controller()
export class AuditController {
  constructor(
    @Inject(AUDIT_OPTIONS) private readonly options: AuditModuleOptions,
    private readonly trail: AuditTrail,
    private readonly kafka: Kafka,
  ) {}

  @Get('audit/keys')
  keys(): unknown {
    return this.options.audit.keyring.toJson();
  }

  @Get('admin/audit/verify')
  @UseGuards(ApiKeyGuard)
  @Roles('operator')
  verify(): Promise<unknown> {
    return verifyAuditTrail(this.chains(), this.kafka, this.options.audit.keyring);
  }

  @Post('admin/audit/repair')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @Roles('operator')
  repair(@CurrentCaller() caller: Caller): Promise<unknown> {
    return repairRecorded(this.chains(), this.kafka, this.options.audit.keyring, this.trail.operator, caller);
  }

  private chains() {
    return [this.trail.reads.chain, this.trail.operator.chain];
  }
}

/**
 * The audit trail of a service that answers personal data (the gateway and the domain services):
 * `AuditTrail` and the audit endpoints. Not global, so that its shutdown comes before the Kafka and store
 * modules' (global modules shut down last): the chains are flushed while the producer is connected.
 */
@Module({})
export class AuditModule {
  static forRoot(options: AuditModuleOptions): DynamicModule {
    return {
      module: AuditModule,
      controllers: [AuditController],
      providers: [{ provide: AUDIT_OPTIONS, useValue: options }, AuditTrail],
      exports: [AuditTrail],
    };
  }
}
