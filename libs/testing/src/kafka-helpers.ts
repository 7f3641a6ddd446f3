import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { headersToStrings, readRanges, resolveRange } from '@lgsp/kafka';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp?: string;
}

/** Reads a topic from the beginning with a throw-away group until `done` holds or the time runs out. */
export async function readUntil(
  kafka: Kafka,
  topic: string,
  done: (records: ReadRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `lgsp-test-${randomUUID()}` });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${topic} (${records.length} records)`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString('utf8') ?? null,
              value: message.value?.toString('utf8') ?? null,
              headers: headersToStrings(message.headers),
            });
            if (done(records)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Every record of a topic up to its end as it is now, in offset order per partition. */
export async function readToEnd(kafka: Kafka, topic: string): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  const ranges = await resolveRange(kafka, topic, { kind: 'earliest' });
  await readRanges(kafka, topic, ranges, async (batch) => {
    for (const r of batch)
      records.push({ ...r, value: r.value?.toString('utf8') ?? null, timestamp: r.timestamp });
  });
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Polls until `check` returns a value, or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
