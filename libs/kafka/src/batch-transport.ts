import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import {
  BaseRpcContext,
  EventPattern,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
} from '@nestjs/microservices';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import { ConsumerRunner, type ConsumedRecord, type DeadLetter, type RunnerOptions } from './consumer-runner';
import type { EventProducer } from './event-producer';

/** The transport id of KafkaBatchServer: @ConsumeBatch handlers register with no other transport. */
export const KAFKA_BATCH_TRANSPORT = Symbol('lgsp-kafka-batch');

/** Marks a handler registered by @ConsumeBatch (see KeepBatchFailure). */
const BATCH_HANDLER = 'lgspBatchHandler';

/**
 * Hands a handler's error to the runner as it was thrown. Nest's default RPC filter would turn it into
 * `{ status: 'error', message: 'Internal server error' }`, and the runner could no longer tell a record
 * that can never be applied (dead-lettered) from a dependency that is down (retried with back-off).
 */
@Catch()
export class KeepBatchFailure implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * The records of one topic-partition, in offset order, for the handler of `pattern` on KafkaBatchServer.
 * The handler makes its work durable and returns (a Promise or an Observable of) the records it refuses
 * for good; it throws when the batch cannot be applied now (see BatchHandler: it must be idempotent and
 * all-or-nothing per call, since parts of a batch are applied again).
 */
export function ConsumeBatch(pattern: string): MethodDecorator {
  return applyDecorators(
    EventPattern(pattern, KAFKA_BATCH_TRANSPORT, { [BATCH_HANDLER]: true }),
    UseFilters(KeepBatchFailure),
  );
}

/** Where a batch comes from: `@Ctx() context: KafkaBatchContext` in a @ConsumeBatch handler. */
export class KafkaBatchContext extends BaseRpcContext<[pattern: string, topic: string, partition: number]> {
  getPattern(): string {
    return this.args[0];
  }
  getTopic(): string {
    return this.args[1];
  }
  getPartition(): number {
    return this.args[2];
  }
}

export interface KafkaBatchServerOptions {
  kafka: Kafka;
  /** sends the dead letters (lgsp.dlq) */
  producer: EventProducer;
  groupId: string;
  /**
   * The patterns this server consumes, each with the topic(s) it reads: a logical name such as
   * 'dossier.events' → 'lgsp.dossier.events' (a test gives a topic of its own). Every pattern named here
   * needs a @ConsumeBatch handler; handlers of other patterns belong to another server.
   */
  topics: Record<string, string | readonly string[]>;
  metrics?: Registry;
  log?: RunnerOptions['log'];
  fromBeginning?: boolean;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export type KafkaBatchStatus = 'connecting' | 'connected' | 'crashed' | 'stopped';

/**
 * A Nest custom transport over ConsumerRunner: one consumer group reads the topics of every pattern in
 * `options.topics` and hands each batch (one topic-partition) to the @ConsumeBatch handler of its
 * pattern. The runner keeps its semantics: offsets committed only after the handler's work and the dead
 * letters are durable, poison records isolated and dead-lettered, a failing batch retried with back-off
 * while its partition is paused. Connect it to an app with
 * `app.connectMicroservice({ strategy: new KafkaBatchServer(options) })`; `app.close()` stops it.
 */
export class KafkaBatchServer
  extends Server<Record<string, never>, KafkaBatchStatus>
  implements CustomTransportStrategy
{
  override transportId = KAFKA_BATCH_TRANSPORT;
  private runner?: ConsumerRunner;
  private stopped = false;
  /** topic → the pattern whose handler gets its batches */
  private readonly patternOf = new Map<string, string>();

  constructor(private readonly options: KafkaBatchServerOptions) {
    super();
  }

  /** Starts consuming without waiting for the group join; a failure shows in assertRunning(). */
  listen(callback: (error?: unknown) => void): void {
    try {
      if (this.runner) throw new Error(`consumer group ${this.options.groupId} is already listening`);
      this.route();
      const { kafka, producer, groupId, metrics, log, fromBeginning, initialBackoffMs, maxBackoffMs } =
        this.options;
      const runner = new ConsumerRunner(kafka, producer, {
        groupId,
        topics: [...this.patternOf.keys()],
        handler: (records) => this.dispatch(records),
        metrics,
        log,
        fromBeginning,
        initialBackoffMs,
        maxBackoffMs,
        onStatus: (status) => {
          if (!this.stopped) this._status$.next(status);
        },
      });
      this.runner = runner;
      this._status$.next('connecting');
      runner.startInBackground();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Leaves the group: a batch in progress is not committed and comes back to the next member. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.runner?.stop();
    this._status$.next('stopped');
  }

  /** For readiness checks: throws unless the consumer was started, has not failed and is not stopped. */
  async assertRunning(): Promise<void> {
    if (!this.runner) throw new Error(`consumer group ${this.options.groupId} not started`);
    if (this.stopped) throw new Error(`consumer group ${this.options.groupId} stopped`);
    await this.runner.assertRunning();
  }

  /** The topics consumed, each with its pattern (after listen). */
  topicsByPattern(): ReadonlyMap<string, string> {
    return this.patternOf;
  }

  on(): never {
    throw new Error('KafkaBatchServer emits no events; watch `status` instead');
  }

  unwrap<T>(): T {
    if (!this.runner)
      throw new Error('KafkaBatchServer is not listening: call startAllMicroservices() first');
    return this.runner as T;
  }

  /** Checks the topic map against the registered handlers and fills patternOf. */
  private route(): void {
    for (const [key, topics] of Object.entries(this.options.topics)) {
      const pattern = this.normalizePattern(key);
      const handler = this.getHandlerByPattern(pattern);
      if (!handler) throw new Error(`no @ConsumeBatch handler for pattern '${pattern}'`);
      if (!handler.extras?.[BATCH_HANDLER])
        throw new Error(`the handler of '${pattern}' must be decorated with @ConsumeBatch`);
      if (handler.next) throw new Error(`more than one handler for pattern '${pattern}'`);
      for (const topic of typeof topics === 'string' ? [topics] : topics) {
        const other = this.patternOf.get(topic);
        if (other !== undefined)
          throw new Error(`topic ${topic} is mapped to both '${other}' and '${pattern}'`);
        this.patternOf.set(topic, pattern);
      }
    }
    if (this.patternOf.size === 0) throw new Error(`consumer group ${this.options.groupId} has no topics`);
  }

  /** One batch (one topic-partition) to the handler of its topic's pattern; its result as dead letters. */
  private async dispatch(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    const { topic, partition } = records[0];
    const pattern = this.patternOf.get(topic);
    const handler: MessageHandler<ConsumedRecord[], KafkaBatchContext, DeadLetter[] | undefined> | null =
      pattern === undefined ? null : this.getHandlerByPattern(pattern);
    // Cannot happen (the runner subscribes to patternOf's topics only): thrown, so the batch is held.
    if (!handler || pattern === undefined) throw new Error(`no handler for topic ${topic}`);
    const result = await lastValueFrom(
      this.transformToObservable(await handler(records, new KafkaBatchContext([pattern, topic, partition]))),
      { defaultValue: undefined },
    );
    if (result === undefined || result === null) return [];
    if (!Array.isArray(result))
      throw new TypeError(`the handler of '${pattern}' returned ${typeof result}, not dead letters`);
    return result;
  }
}
