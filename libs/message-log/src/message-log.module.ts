import {
  Controller,
  DefaultValuePipe,
  Get,
  Inject,
  Injectable,
  Module,
  ParseIntPipe,
  Query,
  UseGuards,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { AuditSettings } from '@lgsp/audit';
import { ApiKeyGuard, Roles } from '@lgsp/auth';
import { HubError } from '@lgsp/core';
import { EventProducer } from '@lgsp/kafka';
import { EXCHANGE_RECORDER } from '@lgsp/national';
import { LOGGER, type Logger } from '@lgsp/observability';
import { DATABASE, type Database } from '@lgsp/store';
import { MessageLog } from './message-log';
import {
  listExchanges,
  verifyMessageLog,
  type ExchangeSummary,
  type MessageLogReport,
} from './message-log.verify';
import type { MessageLogSettings } from './settings';

export interface MessageLogModuleOptions {
  /** the body policy and the key health bodies are sealed with */
  messageLog: MessageLogSettings;
  /** LGSP_AUDIT_SUBJECT_KEY: personal values kept as keyed digests, as in the audit trail */
  auditSubjectKey: string;
  /** the audit trail's signing key, published keys, anchor and copy intervals: entries are signed alike */
  audit: AuditSettings;
  /** the store schema of the log (`message_log` unless given) */
  schema?: string;
}

const MESSAGE_LOG_OPTIONS = Symbol('LGSP_MESSAGE_LOG_OPTIONS');

/** The MessageLog of the app: migrated on init, copied to lgsp.audit and anchored until shutdown. */
@Injectable()
export class MessageLogService extends MessageLog implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(MESSAGE_LOG_OPTIONS) private readonly options: MessageLogModuleOptions,
    @Inject(DATABASE) db: Database,
    producer: EventProducer,
    @Inject(LOGGER) logger: Logger,
  ) {
    super({
      db,
      producer,
      signer: options.audit.signer,
      subjectKey: options.auditSubjectKey,
      settings: options.messageLog,
      schema: options.schema,
      onError: (error) => logger.error({ err: error }, 'message log: copy or anchor to lgsp.audit failed'),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.migrate();
    this.chain.start(this.options.audit);
  }

  /** After the app stopped answering, before the producer goes: the last entries copied, the head anchored. */
  async onApplicationShutdown(): Promise<void> {
    await this.chain.stop();
  }
}

/**
 * For operators: GET /admin/national/log/verify (the whole log verified: chain, signatures, anchor,
 * bodies) and GET /admin/national/log?limit=N (the latest exchanges, metadata only).
 */
@Controller('admin/national/log')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class MessageLogController {
  constructor(
    @Inject(MESSAGE_LOG_OPTIONS) private readonly options: MessageLogModuleOptions,
    private readonly log: MessageLogService,
    private readonly kafka: Kafka,
  ) {}

  @Get('verify')
  verify(): Promise<MessageLogReport> {
    return verifyMessageLog(this.log, this.options.audit.keyring, {
      kafka: this.kafka,
      bodyKey: this.options.messageLog.bodyKey,
    });
  }

  @Get()
  list(@Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number): Promise<ExchangeSummary[]> {
    if (limit < 1 || limit > 1000) throw new HubError('LGSP_ERR_BAD_REQUEST', 'limit must be 1–1000');
    return listExchanges(this.log, limit);
  }
}

/**
 * The message log of the national bridge: `EXCHANGE_RECORDER` (what both directions of the bridge
 * record their exchanges with) and the operators' endpoints. Needs the app's store (StoreModule), its
 * Kafka producer and client (KafkaModule) and its callers (AuthModule). Not global, so that its
 * shutdown comes before the Kafka and store modules'.
 */
@Module({})
export class MessageLogModule {
  static forRoot(options: MessageLogModuleOptions): DynamicModule {
    return {
      module: MessageLogModule,
      controllers: [MessageLogController],
      providers: [
        { provide: MESSAGE_LOG_OPTIONS, useValue: options },
        MessageLogService,
        { provide: EXCHANGE_RECORDER, useExisting: MessageLogService },
      ],
      exports: [EXCHANGE_RECORDER, MessageLogService],
    };
  }
}
