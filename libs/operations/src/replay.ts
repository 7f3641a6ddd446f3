import type { Kafka } from 'kafkajs';
import { HubError } from '@lgsp/core';
import {
  planRange,
  readRanges,
  rangeSize,
  truncatedHistory,
  type ConsumedRecord,
  type EventProducer,
  type HistoryGap,
  type PartitionRange,
  type Position,
} from '@lgsp/kafka';
import { RateLimiter } from './rate-limiter';

export interface RecordFilter {
  key?: string;
  /** CloudEvents type (ce_type header) */
  type?: string;
  /** CloudEvents source (ce_source header) */
  source?: string;
}

export interface ReplayPlan {
  source: string;
  from: Position;
  to?: Position;
  filter?: RecordFilter;
  /** proceed when the range starts before what the source still holds (the records gone are left out) */
  allowTruncatedHistory?: boolean;
}

export interface ReplayProgress {
  /** records read of the range so far */
  read: number;
  /** records in the range (before filtering) */
  total: number;
  matched: number;
  written: number;
}

export interface ReplayOptions extends ReplayPlan {
  /** the topic to write into; absent with dryRun */
  target?: string;
  dryRun?: boolean;
  /** records per second written at most */
  ratePerSecond?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayResult extends ReplayProgress {
  [key: string]: unknown;
  source: string;
  target: string | null;
  dryRun: boolean;
  ranges: PartitionRange[];
  /** what the range asked for that the source no longer held (only with allowTruncatedHistory) */
  historyGaps: HistoryGap[];
  /** false when interrupted: `resumeFrom` is the --from of a run that finishes the job */
  interrupted: boolean;
  resumeFrom: string;
}

export function matches(record: ConsumedRecord, filter: RecordFilter = {}): boolean {
  if (filter.key !== undefined && record.key !== filter.key) return false;
  if (filter.type !== undefined && record.headers.ce_type !== filter.type) return false;
  if (filter.source !== undefined && record.headers.ce_source !== filter.source) return false;
  return true;
}

export function formatOffsets(next: Record<number, string>): string {
  return Object.entries(next)
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}

/**
 * The offsets a replay would read (for the confirmation prompt and dry runs), and what of the asked range
 * is gone. A range that starts before what the source still holds is refused (409
 * LGSP_ERR_HISTORY_TRUNCATED) unless `allowTruncatedHistory`: copying silently less than asked is a loss.
 */
export async function planReplay(
  kafka: Kafka,
  plan: ReplayPlan,
): Promise<{ ranges: PartitionRange[]; gaps: HistoryGap[] }> {
  const { ranges, gaps } = await planRange(kafka, plan.source, plan.from, plan.to);
  if (gaps.length > 0 && !plan.allowTruncatedHistory)
    throw truncatedHistory(
      plan.source,
      gaps,
      'the replay',
      'replay with --allow-truncated-history (admin API: "allowTruncatedHistory": true)',
    );
  return { ranges, gaps };
}

/**
 * Copies a window of a topic into another topic: keys, headers, values and timestamps as they were,
 * each record to the partition of the same number, in offset order (so per-key order holds). A dry
 * run counts what would move. Interrupting (signal) stops after the batch in flight has been
 * acknowledged and reports where to resume; nothing is half-written.
 */
export async function replay(
  kafka: Kafka,
  producer: EventProducer,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !options.target)
    throw new HubError('LGSP_ERR_BAD_REQUEST', 'a replay needs a target topic or a dry run');
  if (options.target === options.source)
    throw new HubError('LGSP_ERR_BAD_REQUEST', 'the target topic must not be the source topic');
  const { ranges, gaps } = await planReplay(kafka, options);
  if (!dryRun && options.target) await ensureTargetFits(kafka, options.source, options.target, ranges);

  const progress: ReplayProgress = { read: 0, total: rangeSize(ranges), matched: 0, written: 0 };
  const limiter = options.ratePerSecond ? new RateLimiter(options.ratePerSecond) : undefined;
  const outcome = await readRanges(
    kafka,
    options.source,
    ranges,
    async (records) => {
      const selected = records.filter((r) => matches(r, options.filter));
      progress.read += records.length;
      progress.matched += selected.length;
      if (!dryRun && options.target) {
        // Small slices under a rate limit keep the rate smooth; otherwise one request per batch.
        const slice = limiter ? Math.max(1, Math.floor(limiter.ratePerSecond / 10)) : selected.length;
        for (let i = 0; i < selected.length; i += slice) {
          const part = selected.slice(i, i + slice);
          await limiter?.take(part.length);
          await producer.sendRaw(
            options.target,
            part.map((r) => ({
              key: r.key,
              value: r.value ?? Buffer.alloc(0),
              headers: r.headers,
              partition: r.partition,
              timestamp: r.timestamp,
            })),
          );
          progress.written += part.length;
        }
      }
      options.onProgress?.({ ...progress });
    },
    options.signal,
  );
  return {
    source: options.source,
    target: options.target ?? null,
    dryRun,
    ...progress,
    ranges,
    historyGaps: gaps,
    interrupted: !outcome.completed,
    resumeFrom: formatOffsets(outcome.next),
  };
}

/** Creates the target like the source when it is missing; refuses one with fewer partitions. */
async function ensureTargetFits(
  kafka: Kafka,
  source: string,
  target: string,
  ranges: PartitionRange[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    const needed = Math.max(...ranges.map((r) => r.partition)) + 1;
    if (!topics.includes(target)) {
      const meta = await admin.fetchTopicMetadata({ topics: [source] });
      const replicas = meta.topics[0]?.partitions[0]?.replicas.length ?? 1;
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: target, numPartitions: needed, replicationFactor: replicas }],
      });
      return;
    }
    const meta = await admin.fetchTopicMetadata({ topics: [target] });
    const have = meta.topics[0]?.partitions.length ?? 0;
    if (have < needed)
      throw new HubError(
        'LGSP_ERR_BAD_REQUEST',
        `target ${target} has ${have} partitions; ${needed} are needed to keep each source partition's order`,
      );
  } finally {
    await admin.disconnect();
  }
}
