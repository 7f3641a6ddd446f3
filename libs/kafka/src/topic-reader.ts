import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { HubError } from '@lgsp/core';
import { toConsumedRecord, type ConsumedRecord } from './consumer-runner';

/**
 * A point in a topic: the start or end, explicit offsets per partition, the first record at or after
 * a time, or "the last N records of each partition" (only as a start).
 */
export type Position =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offsets'; offsets: Record<number, string> }
  | { kind: 'timestamp'; at: Date }
  | { kind: 'last'; count: number };

/** What to read of one partition: offsets start (inclusive) to end (exclusive). */
export interface PartitionRange {
  partition: number;
  start: string;
  end: string;
}

/**
 * Parses a position as operators type it: `earliest`, `latest`, `last:N`, an ISO 8601 time with
 * its zone (`2026-11-20T08:00:00+07:00`), or offsets per partition (`0:120,1:98`).
 */
export function parsePosition(text: string): Position {
  const value = text.trim();
  if (value === 'earliest' || value === 'beginning') return { kind: 'earliest' };
  if (value === 'latest' || value === 'end') return { kind: 'latest' };
  const last = /^last:(\d+)$/.exec(value);
  if (last) return { kind: 'last', count: Number(last[1]) };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(value)) {
    const offsets: Record<number, string> = {};
    for (const pair of value.split(',')) {
      const [partition, offset] = pair.split(':');
      offsets[Number(partition)] = offset;
    }
    return { kind: 'offsets', offsets };
  }
  // A time must say its zone: "08:00" alone is ambiguous between the hub's UTC and the province's +07:00.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return { kind: 'timestamp', at };
  }
  throw new HubError(
    'LGSP_ERR_BAD_POSITION',
    `"${text}" is not a position: use earliest, latest, last:N, P:O[,P:O…] or an ISO 8601 time with zone (e.g. 2026-11-20T08:00:00+07:00)`,
  );
}

/** Offsets of each partition for a position; `bound` picks the topic's low or high end where a partition has none. */
async function offsetsAt(
  admin: Admin,
  topic: string,
  position: Position,
  ends: Map<number, { low: bigint; high: bigint }>,
  bound: 'low' | 'high',
): Promise<Map<number, bigint>> {
  const result = new Map<number, bigint>();
  // Where the position points in the whole history: "the start" is offset 0, whatever retention left.
  const none = (e: { low: bigint; high: bigint }) => (bound === 'low' ? 0n : e.high);
  switch (position.kind) {
    case 'earliest':
      for (const p of ends.keys()) result.set(p, 0n);
      break;
    case 'latest':
      for (const [p, e] of ends) result.set(p, e.high);
      break;
    case 'offsets':
      for (const [p, e] of ends) {
        const given = position.offsets[p];
        result.set(p, given === undefined ? none(e) : BigInt(given));
      }
      break;
    case 'last':
      for (const [p, e] of ends) {
        const start = e.high - BigInt(position.count);
        result.set(p, start < 0n ? 0n : start);
      }
      break;
    case 'timestamp': {
      const found = await admin.fetchTopicOffsetsByTimestamp(topic, position.at.getTime());
      for (const f of found) {
        const e = ends.get(f.partition);
        if (!e) continue;
        // -1: no record at or after that time in this partition. The first kept record being the first
        // at or after that time means the records removed before it may have been in the range too.
        const offset = f.offset === '-1' ? e.high : BigInt(f.offset);
        result.set(f.partition, offset === e.low ? 0n : offset);
      }
      break;
    }
  }
  for (const [p, e] of ends) if (!result.has(p)) result.set(p, none(e));
  return result;
}

/** A partition whose history no longer starts where a range asks for: retention or deletion removed it. */
export interface HistoryGap {
  partition: number;
  /** the first offset the range asks for */
  requested: string;
  /** the first offset the partition still holds (its low watermark) */
  firstKept: string;
  /** offsets asked for that are gone: records (and any transaction markers) removed before firstKept */
  missing: string;
}

/** What to read of a topic, and which asked-for parts of its history are gone. */
export interface RangePlan {
  ranges: PartitionRange[];
  gaps: HistoryGap[];
}

/**
 * Resolves [from, to) into offsets for each partition of the topic as it is now. A range is clamped to
 * what each partition holds; what it asked for before that is reported as a gap.
 */
export async function planRange(
  kafka: Kafka,
  topic: string,
  from: Position,
  to: Position = { kind: 'latest' },
): Promise<RangePlan> {
  if (to.kind === 'last') throw new HubError('LGSP_ERR_BAD_POSITION', 'last:N can only start a range');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) throw new HubError('LGSP_ERR_NOT_FOUND', `topic ${topic} does not exist`);
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((p) => [
        p.partition,
        { low: BigInt(p.low), high: BigInt(p.high) },
      ]),
    );
    const starts = await offsetsAt(admin, topic, from, ends, 'low');
    const stops = await offsetsAt(admin, topic, to, ends, 'high');
    const clamp = (o: bigint, e: { low: bigint; high: bigint }) =>
      o < e.low ? e.low : o > e.high ? e.high : o;
    const ranges: PartitionRange[] = [];
    const gaps: HistoryGap[] = [];
    for (const partition of [...ends.keys()].sort((a, b) => a - b)) {
      const e = ends.get(partition) ?? { low: 0n, high: 0n };
      const asked = starts.get(partition) ?? 0n;
      const start = clamp(asked, e);
      const stop = clamp(stops.get(partition) ?? 0n, e);
      ranges.push({ partition, start: start.toString(), end: (stop < start ? start : stop).toString() });
      // Only a range that reaches past the asked start has lost something (an empty range has not).
      const until = stops.get(partition) ?? 0n;
      if (asked < e.low && until > asked)
        gaps.push({
          partition,
          requested: asked.toString(),
          firstKept: e.low.toString(),
          missing: ((until < e.low ? until : e.low) - asked).toString(),
        });
    }
    return { ranges, gaps };
  } finally {
    await admin.disconnect();
  }
}

/** Resolves [from, to) into offsets for each partition of the topic as it is now (clamped to what it holds). */
export async function resolveRange(
  kafka: Kafka,
  topic: string,
  from: Position,
  to: Position = { kind: 'latest' },
): Promise<PartitionRange[]> {
  return (await planRange(kafka, topic, from, to)).ranges;
}

/**
 * The refusal to work from a truncated history: what is gone, per partition, and how to proceed anyway.
 * `work` says what would be incomplete ("a rebuild of the dossier read model").
 */
export function truncatedHistory(
  topic: string,
  gaps: HistoryGap[],
  work: string,
  override: string,
): HubError {
  const parts = gaps.map(
    (g) =>
      `partition ${g.partition}: first offset kept ${g.firstKept}, ${g.missing} record(s) gone from offset ${g.requested}`,
  );
  return new HubError(
    'LGSP_ERR_HISTORY_TRUNCATED',
    `${topic} no longer holds the whole history ${work} would read (${parts.join('; ')}). ` +
      `Proceeding would silently leave those records out; to proceed with what is kept, ${override}.`,
  );
}

export function rangeSize(ranges: PartitionRange[]): number {
  return ranges.reduce((n, r) => n + Number(BigInt(r.end) - BigInt(r.start)), 0);
}

export interface ReadOutcome {
  /** next offset to read per partition: where a later run resumes */
  next: Record<number, string>;
  /** false when stopped by the signal before the end of the range */
  completed: boolean;
}

/**
 * Reads the ranges of a topic in offset order per partition and hands each fetched batch to
 * `onBatch`; the next batch of a partition is fetched only after it resolves. Uses a throw-away
 * consumer group that commits nothing and is deleted afterwards, so it never disturbs the hub's
 * consumers. Stops cleanly between batches when `signal` aborts.
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: PartitionRange[],
  onBatch: (records: ConsumedRecord[]) => Promise<void>,
  signal?: AbortSignal,
  /** partitions handled at the same time (order holds within each partition) */
  concurrency = 1,
): Promise<ReadOutcome> {
  const next: Record<number, string> = {};
  const pending = new Set<number>();
  for (const r of ranges) {
    next[r.partition] = r.start;
    if (BigInt(r.end) > BigInt(r.start)) pending.add(r.partition);
  }
  if (pending.size === 0) return { next, completed: true };
  const ends = new Map(ranges.map((r) => [r.partition, BigInt(r.end)]));

  const groupId = `lgsp-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 4 << 20 });
  await consumer.connect();
  let failure: unknown;
  let stopped = false;
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<boolean>((resolve, reject) => {
      signal?.addEventListener('abort', () => resolve(false), { once: true });
      const finish = (partition: number, lastOffset: string) => {
        if (!pending.has(partition) || BigInt(lastOffset) + 1n < (ends.get(partition) ?? 0n)) return;
        next[partition] = (ends.get(partition) ?? 0n).toString();
        pending.delete(partition);
        consumer.pause([{ topic, partitions: [partition] }]);
        if (pending.size === 0) resolve(true);
      };
      // A fetch holding only transaction markers never reaches eachBatch; kafkajs still reports it here.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.topic === topic && payload.batchSize === 0)
          finish(payload.partition, String(BigInt(payload.highWatermark) - 1n));
      });
      consumer
        .run({
          autoCommit: false,
          partitionsConsumedConcurrently: concurrency,
          eachBatch: async (payload) => {
            const { batch } = payload;
            // Nothing is committed, so returning early loses nothing: `next` says where to resume.
            if (stopped || signal?.aborted || !payload.isRunning() || payload.isStale()) return;
            if (!pending.has(batch.partition)) {
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              return;
            }
            const end = ends.get(batch.partition) ?? 0n;
            const records: ConsumedRecord[] = [];
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset < BigInt(next[batch.partition]) || offset >= end) continue;
              records.push(toConsumedRecord(topic, batch.partition, m));
            }
            try {
              if (records.length > 0) await onBatch(records);
            } catch (error) {
              stopped = true;
              failure = error;
              reject(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            const last = records.at(-1);
            if (last) next[batch.partition] = (BigInt(last.offset) + 1n).toString();
            // Transaction markers and compaction leave gaps: the batch's last offset counts, not the records.
            finish(batch.partition, batch.lastOffset());
            await payload.heartbeat();
          },
        })
        .then(() => {
          for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: r.start });
          const idle = ranges.filter((r) => !pending.has(r.partition)).map((r) => r.partition);
          if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
        })
        .catch(reject);
    });
    const completed = await done;
    return { next, completed };
  } catch (error) {
    throw failure ?? error;
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
