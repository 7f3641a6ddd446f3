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

/** Offsets per partition, as kafkajs admin and the hub's 202 answers give them. */
export type Offsets = Record<number, string>;

/**
 * The end (high watermark) of each partition now: record it before a test acts, then read from it, so
 * the test reads what it produced and never what the shared topic held before.
 */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Right after a topic is created its leaders may still be moving in ("not the leader"): a retriable
    // answer is asked again for a while rather than failing the test that created the topic.
    for (let attempt = 0; ; attempt++) {
      try {
        return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
      } catch (error) {
        if (attempt >= 20 || (error as { retriable?: boolean }).retriable !== true) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** A topic of the test's own (`lgsp.test.<uuid>`), with topic settings if given. */
export async function createTestTopic(
  kafka: Kafka,
  partitions: number,
  config: Record<string, string> = {},
): Promise<string> {
  const topic = `lgsp.test.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/**
 * Makes a consumer group that has not joined yet start at these offsets (a service's projection group,
 * say): it then projects only what comes after them, not everything the shared topic holds.
 */
export async function startGroupAt(
  kafka: Kafka,
  groupId: string,
  topic: string,
  offsets: Offsets,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: Object.entries(offsets).map(([p, offset]) => ({ partition: Number(p), offset })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** startGroupAt for several topics, each at its end now. */
export async function startGroupAtEnd(kafka: Kafka, groupId: string, topics: string[]): Promise<void> {
  for (const topic of topics) await startGroupAt(kafka, groupId, topic, await endOffsets(kafka, topic));
}

/**
 * Reads a topic from the given offsets (partitions not given: from their end now) with a throw-away
 * group until `done` holds or the time runs out.
 */
export async function readFrom(
  kafka: Kafka,
  topic: string,
  from: Offsets,
  done: (records: ReadRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const groupId = `lgsp-test-${randomUUID()}`;
  await startGroupAt(kafka, groupId, topic, { ...(await endOffsets(kafka, topic)), ...from });
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`timed out reading ${topic} from ${JSON.stringify(from)} (${records.length} records)`),
          ),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString('utf8') ?? null,
              value: message.value?.toString('utf8') ?? null,
              headers: headersToStrings(message.headers),
              timestamp: message.timestamp,
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
    await deleteGroup(kafka, groupId);
  }
  return records;
}

/** The record at one place of a topic (as a 202 answer reports it), or undefined if there is none. */
export async function readAt(
  kafka: Kafka,
  topic: string,
  partition: number,
  offset: string,
): Promise<ReadRecord | undefined> {
  const next = (BigInt(offset) + 1n).toString();
  const ends = await endOffsets(kafka, topic);
  if (ends[partition] === undefined || BigInt(ends[partition]) < BigInt(next)) return undefined;
  const ranges = Object.keys(ends).map((p) =>
    Number(p) === partition
      ? { partition, start: offset, end: next }
      : { partition: Number(p), start: ends[Number(p)], end: ends[Number(p)] },
  );
  const found: ReadRecord[] = [];
  await readRanges(kafka, topic, ranges, async (batch) => {
    for (const r of batch)
      found.push({ ...r, value: r.value?.toString('utf8') ?? null, timestamp: r.timestamp });
  });
  return found.find((r) => r.offset === offset);
}

/**
 * Every record of a topic from `from` (default: its start; only for a topic of the test's own) up to its
 * end as it is now, in offset order per partition.
 */
export async function readToEnd(kafka: Kafka, topic: string, from?: Offsets): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  const ranges = await resolveRange(
    kafka,
    topic,
    from ? { kind: 'offsets', offsets: from } : { kind: 'earliest' },
  );
  await readRanges(kafka, topic, ranges, async (batch) => {
    for (const r of batch)
      records.push({ ...r, value: r.value?.toString('utf8') ?? null, timestamp: r.timestamp });
  });
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
}

/** The offset a consumer group has committed on one partition of a topic ('-1' when none). */
export async function committedOffset(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partition: number,
): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.find((p) => p.partition === partition)?.offset;
  } finally {
    await admin.disconnect();
  }
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
