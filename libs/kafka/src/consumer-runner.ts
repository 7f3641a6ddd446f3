import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import { headersToStrings } from './cloudevents';
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
 * transaction, say) and returns the records it refuses for good (poison); throwing means "transient,
 * try the whole batch again", so handlers must be idempotent.
 */
export type BatchHandler = (records: ConsumedRecord[]) => Promise<DeadLetter[]>;

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
  private readonly consumer: Consumer;
  private readonly metrics?: ReturnType<typeof createMetrics>;

  constructor(
    kafka: Kafka,
    private readonly producer: EventProducer,
    private readonly options: RunnerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    if (options.metrics) {
      const cached = metricCache.get(options.metrics) ?? createMetrics(options.metrics);
      metricCache.set(options.metrics, cached);
      this.metrics = cached;
    }
  }

  private starting?: Promise<void>;

  /** Connects, joins the group and starts consuming; resolves once the consumer runs. */
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
    // Let a start that is still joining the group finish (or fail) before leaving it.
    await this.starting?.catch(() => undefined);
    await this.consumer.disconnect();
  }

  private failure?: Error;

  /**
   * Starts without making the caller wait for the group join (which can wait for a crashed member's
   * session to expire); a failure is logged and reported by assertRunning(), e.g. in /health/ready.
   */
  startInBackground(): void {
    this.start().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error('consumer failed', { cause: error });
      this.options.log?.('error', 'consumer stopped', {
        group: this.options.groupId,
        error: this.failure.message,
      });
    });
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
    for (let attempt = 0; ; attempt++) {
      // Never return without resolving: kafkajs would move on to later records. Throwing makes it seek
      // back to the committed offset, so the batch comes back, in order, to whoever owns the partition.
      if (attempt > 0 && (!isRunning() || isStale()))
        throw new Error('partition revoked during retries; batch left uncommitted');
      try {
        const dead = await this.options.handler(records);
        if (dead.length > 0) await this.deadLetter(dead);
        break;
      } catch (error) {
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
        await sleepWithHeartbeat(wait, heartbeat, isRunning);
      }
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
