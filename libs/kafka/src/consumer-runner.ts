import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import type { ErrorCode } from '@lgsp/core';
import { CloudEventDecodeError, headersToStrings } from './cloudevents';
import type { EventProducer } from './event-producer';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

/** A fetched message as handlers see it: key and headers as text. */
export function toConsumedRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value,
    headers: headersToStrings(m.headers),
    timestamp: m.timestamp,
  };
}

export interface DeadLetter {
  record: ConsumedRecord;
  code: string;
  detail: string;
}

/**
 * A handler gets the records of one partition in order. It makes its work durable (one database
 * transaction, say) and returns the records it refuses for good (poison). When it throws, the runner
 * classifies the error (see failureKind): a transient one retries the batch; a deterministic one makes
 * the runner apply the batch in smaller parts to find the record(s) that fail. Either way parts are
 * applied again, so handlers must be idempotent and all-or-nothing per call.
 */
export type BatchHandler = (records: ConsumedRecord[]) => Promise<DeadLetter[]>;

/** The dead-letter code of a record the store refuses for good (see failureKind). */
export const UNSTORABLE_EVENT: ErrorCode = 'LGSP_ERR_UNSTORABLE_EVENT';

/** Thrown by a handler for a record its rules can never accept: the record goes to the DLQ with this code. */
export class PoisonRecordError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PoisonRecordError';
  }
}

/*
 * SQLSTATE classes that depend on the data written, not on the state of the database: the same
 * statement with the same record fails every time. 21 cardinality violation, 22 data exception (NUL in
 * text, "unsupported Unicode escape sequence" in jsonb, value out of range…), 23 integrity constraint
 * violation, 2F/44 constraint checks, 54 program limit exceeded (row or index entry too large).
 */
const DETERMINISTIC_SQL_CLASSES = new Set(['21', '22', '23', '2F', '44', '54']);

/**
 * "deterministic" when the failure is in the records: retrying cannot help, so the records that
 * cause it are found and dead-lettered. Everything else is "transient": connection refused, reset or
 * terminated (08, 57P0x), resources (53), serialization failures and deadlocks (40), a missing table
 * or column (42: a deployment, not a record, is wrong), broker errors, and anything unknown, so that
 * an unexpected failure holds the partition rather than discarding good events.
 */
export function failureKind(error: unknown): 'transient' | 'deterministic' {
  if (error instanceof PoisonRecordError || error instanceof CloudEventDecodeError) return 'deterministic';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return DETERMINISTIC_SQL_CLASSES.has(code.slice(0, 2)) ? 'deterministic' : 'transient';
  return 'transient';
}

function poisonLetter(record: ConsumedRecord, error: unknown): DeadLetter {
  if (error instanceof PoisonRecordError) return { record, code: error.code, detail: error.message };
  const sqlState = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return {
    record,
    code: UNSTORABLE_EVENT,
    detail: typeof sqlState === 'string' ? `SQLSTATE ${sqlState}: ${message}` : message,
  };
}

/**
 * Applies records in order and isolates those that fail deterministically: the first failing part is
 * halved until the failing record is alone, then it becomes a dead letter and the rest is tried
 * again in one part. Parts are applied strictly in record order, so nothing after a record is
 * applied before it. `progress.done` records how far it got, so a call after a transient failure
 * (which is thrown) resumes there; `progress.dead` collects the dead letters of applied parts.
 */
export async function applyIsolatingPoison(
  records: ConsumedRecord[],
  handle: BatchHandler,
  progress: { done: number; dead: DeadLetter[] } = { done: 0, dead: [] },
  between: () => Promise<void> = async () => undefined,
): Promise<{ done: number; dead: DeadLetter[] }> {
  let size = records.length - progress.done;
  while (progress.done < records.length) {
    const part = records.slice(progress.done, progress.done + size);
    try {
      progress.dead.push(...(await handle(part)));
      progress.done += part.length;
      size = records.length - progress.done;
    } catch (error) {
      if (failureKind(error) === 'transient') throw error;
      if (part.length === 1) {
        progress.dead.push(poisonLetter(part[0], error));
        progress.done += 1;
        size = records.length - progress.done;
      } else size = Math.ceil(part.length / 2);
    }
    await between();
  }
  return progress;
}

export interface RunnerOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  fromBeginning?: boolean;
  /** back-off between attempts of a failing batch: min(maxBackoffMs, initialBackoffMs * 2^attempt) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  metrics?: Registry;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /**
   * Back-off between restarts of a consumer that stopped (a failed start, or a crash kafkajs does not restart
   * itself): min(maxRestartBackoffMs, initialRestartBackoffMs * 2^restart). Defaults 500 ms and 30 s.
   */
  initialRestartBackoffMs?: number;
  maxRestartBackoffMs?: number;
  /** told when the consumer runs ('connected') and when it stopped and waits to be restarted ('crashed') */
  onStatus?: (status: 'connected' | 'crashed') => void;
}

const metricCache = new WeakMap<Registry, ReturnType<typeof createMetrics>>();
function createMetrics(registry: Registry) {
  const labelNames = ['group', 'topic'];
  return {
    processed: new Counter({
      name: 'lgsp_consumer_processed_total',
      help: 'Records handled',
      labelNames,
      registers: [registry],
    }),
    retried: new Counter({
      name: 'lgsp_consumer_retried_total',
      help: 'Batch attempts retried after a transient failure',
      labelNames,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'lgsp_consumer_dead_lettered_total',
      help: 'Records sent to lgsp.dlq',
      labelNames,
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'lgsp_consumer_lag',
      help: 'Records behind the high watermark',
      labelNames: [...labelNames, 'partition'],
      registers: [registry],
    }),
  };
}

/**
 * Batch consumer with manual commits: offsets are committed only after the handler's work is durable
 * and dead letters are acknowledged by Kafka. A failing batch is retried with back-off while the
 * consumer keeps heart-beating, so a slow dependency does not cause a rebalance storm, and nothing
 * after the failing record is processed before it.
 */
export class ConsumerRunner {
  private consumer: Consumer;
  private readonly metrics?: ReturnType<typeof createMetrics>;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: EventProducer,
    private readonly options: RunnerOptions,
  ) {
    this.consumer = this.createConsumer();
    if (options.metrics) {
      const cached = metricCache.get(options.metrics) ?? createMetrics(options.metrics);
      metricCache.set(options.metrics, cached);
      this.metrics = cached;
    }
  }

  /**
   * kafkajs restarts a consumer after a retriable crash by itself, but not after a non-retriable one (e.g.
   * KafkaJSGroupCoordinatorNotFound when the network to the broker was cut during a rejoin): such a consumer
   * would stay stopped for good. A supervised runner (startInBackground) restarts it with a fresh consumer.
   */
  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      // kafkajs then lets run() resolve as if started: remember the crash, so that is not taken for running
      this.crashed.add(consumer);
      if (consumer === this.consumer) this.stopped(payload.error);
    });
    return consumer;
  }

  private starting?: Promise<void>;
  /** consumers kafkajs reported crashed without restarting them */
  private readonly crashed = new WeakSet<Consumer>();
  private supervised = false;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;

  /** Connects, joins the group and starts consuming, once; resolves once the consumer runs. */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    // Let a start that is still joining the group finish (or fail) before leaving it.
    await this.starting?.catch(() => undefined);
    await this.consumer.disconnect();
  }

  private failure?: Error;

  /**
   * Starts without making the caller wait for the group join (which can wait for a crashed member's
   * session to expire), and keeps the consumer running: a failed start (a topic not created yet, the broker
   * unreachable) and a crash kafkajs does not recover from are logged, reported by assertRunning() (e.g. in
   * /health/ready) and followed by a restart with back-off, until stop().
   */
  startInBackground(): void {
    this.supervised = true;
    this.watch(this.consumer, this.start());
  }

  /** The outcome of starting `consumer`, unless it crashed meanwhile or was replaced by a restart. */
  private watch(consumer: Consumer, starting: Promise<void>): void {
    starting.then(
      () => {
        if (consumer === this.consumer && !this.crashed.has(consumer)) this.running();
      },
      (error: unknown) => {
        if (consumer === this.consumer) this.stopped(error);
      },
    );
  }

  private running(): void {
    if (this.failure) this.options.log?.('info', 'consumer restarted', { group: this.options.groupId });
    this.failure = undefined;
    this.restarts = 0;
    this.options.onStatus?.('connected');
  }

  private stopped(error: unknown): void {
    if (this.stopping) return;
    this.failure = error instanceof Error ? error : new Error('consumer failed', { cause: error });
    this.options.onStatus?.('crashed');
    const retryInMs = this.supervised
      ? Math.min(
          this.options.maxRestartBackoffMs ?? 30_000,
          (this.options.initialRestartBackoffMs ?? 500) * 2 ** this.restarts++,
        )
      : undefined;
    this.options.log?.('error', 'consumer stopped', {
      group: this.options.groupId,
      error: this.failure.message,
      ...(retryInMs === undefined ? {} : { restartInMs: retryInMs }),
    });
    if (retryInMs === undefined) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.restart(), retryInMs);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    const previous = this.consumer;
    await previous.disconnect().catch(() => undefined);
    if (this.stopping) return;
    this.consumer = this.createConsumer();
    this.starting = this.doStart();
    this.watch(this.consumer, this.starting);
  }

  async assertRunning(): Promise<void> {
    if (this.failure) throw this.failure;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = () => payload.heartbeat();
    const isRunning = () => payload.isRunning();
    const isStale = () => payload.isStale();
    if (batch.messages.length === 0) return;
    const labels = { group: this.options.groupId, topic: batch.topic };
    const records = batch.messages.map((m) => toConsumedRecord(batch.topic, batch.partition, m));
    const initial = this.options.initialBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 30_000;
    const progress = { done: 0, dead: [] as DeadLetter[] };
    let resume: (() => void) | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        // Never return without resolving: kafkajs would move on to later records. Throwing makes it seek
        // back to the committed offset, so the batch comes back, in order, to whoever owns the partition.
        if (attempt > 0 && (!isRunning() || isStale()))
          throw new Error('partition revoked during retries; batch left uncommitted');
        try {
          // A part applied before a transient failure is not applied again; a deterministic failure is
          // narrowed down to its record(s), which go to the DLQ, and the rest is applied.
          await applyIsolatingPoison(records, this.options.handler, progress, async () => {
            if (!isRunning() || isStale()) throw new Error('partition revoked; batch left uncommitted');
            await heartbeat().catch(() => undefined);
          });
          if (progress.dead.length > 0) {
            await this.deadLetter(progress.dead);
            this.options.log?.('warn', 'records dead-lettered', {
              group: this.options.groupId,
              topic: batch.topic,
              partition: batch.partition,
              records: progress.dead.map((d) => ({ offset: d.record.offset, code: d.code })),
            });
          }
          break;
        } catch (error) {
          if (!isRunning() || isStale()) throw error;
          this.metrics?.retried.inc(labels);
          const wait = Math.min(max, initial * 2 ** attempt);
          this.options.log?.('warn', 'batch failed; retrying', {
            group: this.options.groupId,
            topic: batch.topic,
            partition: batch.partition,
            firstOffset: batch.firstOffset(),
            attempt: attempt + 1,
            retryInMs: wait,
            error: error instanceof Error ? error.message : String(error),
          });
          // Stop fetching this partition while its dependency is down; heartbeats go on.
          resume ??= payload.pause();
          await sleepWithHeartbeat(wait, heartbeat, isRunning);
        }
      }
    } finally {
      resume?.();
    }
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
    ]);
    this.metrics?.processed.inc(labels, records.length);
    this.metrics?.lag.set({ ...labels, partition: String(batch.partition) }, Number(batch.offsetLag()));
    await heartbeat();
  }

  private async deadLetter(dead: DeadLetter[]): Promise<void> {
    await this.producer.sendRaw(
      Topics.dlq,
      dead.map(({ record, code, detail }) => ({
        key: record.key ?? '',
        value: record.value ?? Buffer.alloc(0),
        headers: {
          ...record.headers,
          [DlqHeaders.originalTopic]: record.topic,
          [DlqHeaders.originalPartition]: String(record.partition),
          [DlqHeaders.originalOffset]: record.offset,
          [DlqHeaders.errorCode]: code,
          [DlqHeaders.errorDetail]: detail.slice(0, 4000),
          [DlqHeaders.failedAt]: new Date().toISOString(),
          [DlqHeaders.consumerGroup]: this.options.groupId,
        },
      })),
    );
    this.metrics?.deadLettered.inc({ group: this.options.groupId, topic: dead[0].record.topic }, dead.length);
  }
}

async function sleepWithHeartbeat(
  ms: number,
  heartbeat: () => Promise<void>,
  isRunning: () => boolean,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && isRunning()) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    await heartbeat().catch(() => undefined);
  }
}
