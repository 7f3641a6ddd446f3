import type { Kafka } from 'kafkajs';

export interface PartitionOverview {
  partition: number;
  low: string;
  high: string;
  records: number;
}

export interface TopicOverview {
  topic: string;
  partitions: PartitionOverview[];
  records: number;
  config: Record<string, string>;
}

export interface GroupLag {
  group: string;
  state: string;
  members: number;
  topics: {
    topic: string;
    lag: number;
    partitions: { partition: number; committed: string; high: string; lag: number }[];
  }[];
  lag: number;
}

const SHOWN_CONFIG = ['retention.ms', 'cleanup.policy', 'min.insync.replicas'];

/** The hub's topics (lgsp.*) with partitions, offsets and record counts (records retained now). */
export async function topicsOverview(kafka: Kafka, prefix = 'lgsp.'): Promise<TopicOverview[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    if (names.length === 0) return [];
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: 2, name, configNames: SHOWN_CONFIG })),
    });
    const configOf = new Map(
      configs.resources.map((r) => [
        r.resourceName,
        Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    );
    const result: TopicOverview[] = [];
    for (const topic of names) {
      const partitions = (await admin.fetchTopicOffsets(topic))
        .map((p) => ({
          partition: p.partition,
          low: p.low,
          high: p.high,
          records: Number(BigInt(p.high) - BigInt(p.low)),
        }))
        .sort((a, b) => a.partition - b.partition);
      result.push({
        topic,
        partitions,
        records: partitions.reduce((n, p) => n + p.records, 0),
        config: configOf.get(topic) ?? {},
      });
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}

/** Lag of every consumer group (or one) on every topic it has committed offsets for. */
export async function groupsLag(kafka: Kafka, only?: string): Promise<GroupLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const listed = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      // Throw-away readers of the CLI and the tests are not the hub's consumers.
      .filter((g) => (only ? g === only : !g.startsWith('lgsp-reader-') && !g.startsWith('lgsp-test-')))
      .sort();
    if (listed.length === 0) return [];
    const described = new Map((await admin.describeGroups(listed)).groups.map((g) => [g.groupId, g]));
    const highs = new Map<string, Map<number, string>>();
    const result: GroupLag[] = [];
    for (const group of listed) {
      const offsets = await admin.fetchOffsets({ groupId: group });
      const topics: GroupLag['topics'] = [];
      for (const t of offsets) {
        if (!highs.has(t.topic))
          highs.set(
            t.topic,
            new Map((await admin.fetchTopicOffsets(t.topic)).map((p) => [p.partition, p.high])),
          );
        const high = highs.get(t.topic) ?? new Map<number, string>();
        const partitions = t.partitions
          .map((p) => {
            const h = high.get(p.partition) ?? '0';
            // -1: nothing committed yet, so everything retained is lag.
            const committed = p.offset === '-1' ? '0' : p.offset;
            return {
              partition: p.partition,
              committed: p.offset,
              high: h,
              lag: Number(BigInt(h) - BigInt(committed)),
            };
          })
          .sort((a, b) => a.partition - b.partition);
        if (partitions.every((p) => p.committed === '-1') && !only) continue;
        topics.push({ topic: t.topic, lag: partitions.reduce((n, p) => n + p.lag, 0), partitions });
      }
      const d = described.get(group);
      result.push({
        group,
        state: d?.state ?? 'Unknown',
        members: d?.members.length ?? 0,
        topics,
        lag: topics.reduce((n, t) => n + t.lag, 0),
      });
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}
