import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { HubEvent } from '@lgsp/contracts';
import { HubError, MicroBatcher } from '@lgsp/core';
import { toKafkaRecord, type KafkaRecord } from './cloudevents';

export type RawRecord = Omit<KafkaRecord, 'key'> & {
  key: string | null;
  partition?: number;
  timestamp?: string;
};

export interface Delivery {
  topic: string;
  partition: number;
  offset: string;
}

interface Outgoing {
  topic: string;
  record: KafkaRecord;
}

/** What readiness needs to know about the producer. */
export interface ProducerHealth {
  /** set while the last produce request failed and none has succeeded since */
  failingSince?: Date;
  lastError?: string;
  /** when a produce request last failed because Kafka did not take it */
  lastFailure?: Date;
}

/**
 * After a failed produce, readiness stays down until a produce succeeds or this long has passed without
 * another failure (and the cluster then looks writable); a produce request running longer counts as
 * stalled. Under traffic that keeps failing, readiness therefore never says up.
 */
const READINESS_QUIET_MS = 5_000;

const partitionOf = Partitioners.DefaultPartitioner();

/**
 * The hub's producer: idempotent, acks=all. Concurrent publishes are grouped into one produce request;
 * each caller learns its own partition and offset. Partitions are chosen here with Kafka's default
 * (murmur2) partitioner, so records of one key land on one partition as any Kafka client would place them.
 *
 * Why a 2xx can trust the offset it reports: kafkajs numbers the records of an idempotent producer per
 * partition and, when a produce request fails, rewinds those numbers. If the broker had in fact stored
 * the failed request (a lost response, a broker stopping mid-request), the next, different batch reuses
 * the numbers, the broker takes it for a duplicate of the stored one, drops it and answers with the old
 * offset — an acknowledgement for a record that was never written. So:
 *  - one produce request at a time per producer (no two batches can share numbers), and
 *  - after any failed or unknown outcome the producer is discarded and a new one, with a new producer id
 *    from the broker, sends the next request (its numbering cannot collide with anything stored).
 * A request that was stored although it failed leaves a duplicate record when the publisher retries;
 * every consumer applies an event once by (source, id), so a duplicate record is harmless, a lost one is not.
 */
export class EventProducer {
  private producer?: Promise<Producer>;
  /** serialises every produce request of this process's producer */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly partitions = new Map<string, number>();
  private readonly batcher = new MicroBatcher<Outgoing, Delivery | HubError>(
    (items) => this.flush(items),
    2000,
    true,
  );
  private readonly health: ProducerHealth = {};
  private generation = 0;
  /** when the produce request now running started (undefined while none runs) */
  private sendingSince?: number;

  /**
   * `sendTimeoutMs` bounds one produce request, kafkajs's own retries included: a publish never waits
   * longer, so a claim it holds can be taken over safely after a longer time (see ingest's receipts).
   */
  constructor(
    private readonly kafka: Kafka,
    private readonly options: { sendTimeoutMs?: number } = {},
  ) {}

  /** Connects a producer now, so that a broker that does not answer fails start-up. */
  async connect(): Promise<void> {
    await this.current();
  }

  async disconnect(): Promise<void> {
    await this.queue.catch(() => undefined);
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer.catch(() => undefined))?.disconnect();
  }

  /**
   * Publishes a validated event (CloudEvents binary mode) under its aggregate's key and answers where
   * it was written. Its data is typed by its type, so a payload of another type does not compile.
   */
  async publish(topic: string, event: HubEvent, key: string): Promise<Delivery> {
    const outcome = await this.batcher.add({ topic, record: toKafkaRecord(event, key) });
    if (outcome instanceof HubError) throw outcome;
    return outcome;
  }

  /**
   * Sends records as they are, in order, in one request: explicit partitions and timestamps are kept
   * (replays and redrives preserve them). For bytes already validated or never to be read as an event
   * here: dead letters, replays, forwarded ingress records, the audit chain.
   */
  async sendRaw(topic: string, records: RawRecord[]): Promise<void> {
    // In chunks under the broker's request limit, one after the other, so order is kept.
    for (const chunk of bySize(records, (r) => recordBytes(r))) {
      await this.exclusive((producer) =>
        producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: chunk }),
      );
    }
  }

  /** The state readiness reports: failing while the last produce failed and none succeeded since. */
  state(): Readonly<ProducerHealth> {
    return { ...this.health };
  }

  /**
   * For readiness: passes while produce requests succeed. It fails while a produce request has been
   * running for more than a few seconds, and after a failed one until a produce succeeds again or, with
   * no failure for a few seconds, a new producer has its id from the broker and every partition this
   * producer writes has a leader with at least `minInsyncReplicas` in-sync replicas. So a load balancer
   * sends traffic back when a produce can succeed, without writing a probe record anywhere, and does not
   * while every produce fails (metadata can look healthy while writes are refused).
   */
  async assertCanProduce(minInsyncReplicas: number, timeoutMs = 5000): Promise<void> {
    const now = Date.now();
    if (this.sendingSince !== undefined && now - this.sendingSince > READINESS_QUIET_MS)
      throw new Error(`a produce request has waited ${now - this.sendingSince} ms for Kafka`);
    const { failingSince, lastFailure, lastError } = this.health;
    if (!failingSince) return;
    const since = `cannot produce since ${failingSince.toISOString()}: ${lastError}`;
    if (lastFailure && now - lastFailure.getTime() < READINESS_QUIET_MS)
      throw new Error(`${since} (last failure ${now - lastFailure.getTime()} ms ago)`);
    await withDeadline(this.probe(minInsyncReplicas), timeoutMs).catch((error: unknown) => {
      throw new Error(`${since}; ${error instanceof Error ? error.message : String(error)}`);
    });
    // A produce that failed while the probe ran keeps readiness down.
    if (this.health.lastFailure !== lastFailure) throw new Error(since);
    this.health.failingSince = undefined;
    this.health.lastError = undefined;
  }

  private async probe(minInsyncReplicas: number): Promise<void> {
    await this.current();
    const topics = [...this.partitions.keys()];
    if (topics.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      for (const topic of meta.topics)
        for (const p of topic.partitions)
          if (p.leader < 0 || p.isr.length < minInsyncReplicas)
            throw new Error(`${topic.name}/${p.partitionId} has no leader or too few in-sync replicas`);
    } finally {
      await admin.disconnect();
    }
  }

  /** How many producer identities this process has used (1 + one per failed produce). */
  identities(): number {
    return this.generation;
  }

  private current(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        createPartitioner: Partitioners.DefaultPartitioner,
        maxInFlightRequests: 1,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      this.generation++;
      const connected = producer.connect().then(() => producer);
      // A producer that could not connect is not kept: the next request tries a new one.
      connected.catch(() => {
        if (this.producer === connected) this.producer = undefined;
      });
      this.producer = connected;
    }
    return this.producer;
  }

  /** Runs one produce request with the current producer, after every earlier one has finished. */
  private exclusive<T>(work: (producer: Producer) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      let producer: Producer | undefined;
      this.sendingSince = Date.now();
      try {
        producer = await this.current();
        const result = await withDeadline(work(producer), this.options.sendTimeoutMs ?? 15_000);
        this.health.failingSince = undefined;
        this.health.lastError = undefined;
        return result;
      } catch (error) {
        const failed = brokerUnavailable(error);
        // A record Kafka will never take (too large) says nothing about whether others can be written.
        if (failed.code === 'LGSP_ERR_BROKER_UNAVAILABLE') {
          this.health.lastFailure = new Date();
          this.health.failingSince ??= this.health.lastFailure;
          this.health.lastError = failed.detail;
        }
        // The outcome is unknown: this producer id may have a stored batch the broker would match
        // the next request against. Never reuse it.
        this.producer = undefined;
        if (producer) void producer.disconnect().catch(() => undefined);
        throw failed;
      } finally {
        this.sendingSince = undefined;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitions.get(topic);
    if (known) return known;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = meta.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions`);
      this.partitions.set(topic, count);
      return count;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Sends a group of concurrent publishes in requests under the broker's size limit, one after the
   * other; each publish learns its own outcome (a later request failing does not undo an earlier one).
   */
  private async flush(items: Outgoing[]): Promise<(Delivery | HubError)[]> {
    const outcomes: (Delivery | HubError)[] = new Array<Delivery | HubError>(items.length);
    const indexed = items.map((item, index) => ({ ...item, index }));
    for (const chunk of bySize(indexed, (i) => recordBytes(i.record))) {
      try {
        const deliveries = await this.flushChunk(chunk);
        chunk.forEach((item, i) => (outcomes[item.index] = deliveries[i]));
      } catch (error) {
        const failed = brokerUnavailable(error);
        for (const item of chunk) outcomes[item.index] = failed;
      }
    }
    return outcomes;
  }

  private async flushChunk(items: Outgoing[]): Promise<Delivery[]> {
    const byTopic = new Map<string, { index: number; partition: number; record: KafkaRecord }[]>();
    try {
      for (const [index, item] of items.entries()) {
        const count = await this.partitionCount(item.topic);
        const partitionMetadata = Array.from({ length: count }, (_, i) => ({
          partitionId: i,
          leader: 0,
          partitionErrorCode: 0,
          replicas: [0],
          isr: [0],
        }));
        const partition = partitionOf({ topic: item.topic, partitionMetadata, message: item.record });
        byTopic.set(item.topic, [
          ...(byTopic.get(item.topic) ?? []),
          { index, partition, record: item.record },
        ]);
      }
    } catch (error) {
      throw brokerUnavailable(error);
    }
    const results = await this.exclusive((producer) =>
      producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((l) => ({ ...l.record, partition: l.partition })),
        })),
      }),
    );
    const base = new Map<string, bigint>();
    for (const r of results) {
      if (r.baseOffset === undefined || r.baseOffset === null || BigInt(r.baseOffset) < 0n) {
        throw brokerUnavailable(new Error(`no offset for ${r.topicName}/${r.partition}`));
      }
      base.set(`${r.topicName}:${r.partition}`, BigInt(r.baseOffset));
    }
    const deliveries: Delivery[] = new Array<Delivery>(items.length);
    for (const [topic, list] of byTopic) {
      const seen = new Map<number, bigint>();
      for (const l of list) {
        const first = base.get(`${topic}:${l.partition}`);
        if (first === undefined)
          throw brokerUnavailable(new Error(`no acknowledgement for ${topic}/${l.partition}`));
        const n = seen.get(l.partition) ?? 0n;
        seen.set(l.partition, n + 1n);
        deliveries[l.index] = { topic, partition: l.partition, offset: (first + n).toString() };
      }
    }
    return deliveries;
  }
}

/**
 * Below Kafka's default `message.max.bytes` (1 MiB per record batch, which kafkajs sends per partition
 * per request): a request larger than that is refused whole, and a dead-letter batch that never fits
 * would hold its partition for ever.
 */
const REQUEST_BYTES = 768 * 1024;

/** A record's size on the wire, near enough: key, value, header names and values, and framing. */
function recordBytes(record: {
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}): number {
  let bytes = 64 + (record.key ? Buffer.byteLength(record.key) : 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers ?? {}))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 8;
  return bytes;
}

/** Splits items, in order, into runs whose sizes add up to at most REQUEST_BYTES (an oversized item alone). */
function bySize<T>(items: T[], size: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && bytes + n > REQUEST_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function brokerUnavailable(error: unknown): HubError {
  if (error instanceof HubError) return error;
  // A record over the broker's size limit will never be accepted: not a broker outage.
  if ((error as { type?: unknown } | null)?.type === 'MESSAGE_TOO_LARGE')
    return new HubError(
      'LGSP_ERR_PAYLOAD_TOO_LARGE',
      'the event is larger than Kafka accepts for one record',
    );
  const reason = error instanceof Error ? error.message : String(error);
  return new HubError(
    'LGSP_ERR_BROKER_UNAVAILABLE',
    `Kafka did not acknowledge the write: ${reason}`,
    undefined,
    5,
  );
}
