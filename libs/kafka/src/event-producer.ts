import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { HubError, MicroBatcher } from '@lgsp/core';
import type { KafkaRecord } from './cloudevents';

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

const partitionOf = Partitioners.DefaultPartitioner();

/**
 * The hub's producer: idempotent, acks=all. Concurrent sends are grouped into one produce request;
 * each caller learns its own partition and offset. Partitions are chosen here with Kafka's default
 * (murmur2) partitioner, so records of one key land on one partition as any Kafka client would place them.
 */
export class EventProducer {
  private readonly producer: Producer;
  private readonly partitions = new Map<string, number>();
  private readonly batcher = new MicroBatcher<Outgoing, Delivery>((items) => this.flush(items), 2000);

  constructor(private readonly kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  send(topic: string, record: KafkaRecord): Promise<Delivery> {
    return this.batcher.add({ topic, record });
  }

  /**
   * Sends records as they are, in order, in one request: explicit partitions and timestamps are kept
   * (replays and redrives preserve them).
   */
  async sendRaw(topic: string, records: RawRecord[]): Promise<void> {
    try {
      await this.producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: records });
    } catch (error) {
      throw brokerUnavailable(error);
    }
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

  private async flush(items: Outgoing[]): Promise<Delivery[]> {
    try {
      const byTopic = new Map<string, { index: number; partition: number; record: KafkaRecord }[]>();
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
      const results = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((l) => ({ ...l.record, partition: l.partition })),
        })),
      });
      const base = new Map(
        results.map((r) => [`${r.topicName}:${r.partition}`, BigInt(r.baseOffset ?? '0')]),
      );
      const deliveries: Delivery[] = new Array<Delivery>(items.length);
      for (const [topic, list] of byTopic) {
        const seen = new Map<number, bigint>();
        for (const l of list) {
          const n = seen.get(l.partition) ?? 0n;
          seen.set(l.partition, n + 1n);
          const offset = (base.get(`${topic}:${l.partition}`) ?? 0n) + n;
          deliveries[l.index] = { topic, partition: l.partition, offset: offset.toString() };
        }
      }
      return deliveries;
    } catch (error) {
      throw brokerUnavailable(error);
    }
  }
}

function brokerUnavailable(error: unknown): HubError {
  if (error instanceof HubError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new HubError(
    'LGSP_ERR_BROKER_UNAVAILABLE',
    `Kafka did not acknowledge the write: ${reason}`,
    undefined,
    5,
  );
}
