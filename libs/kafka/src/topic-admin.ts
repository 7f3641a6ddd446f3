import type { Kafka } from 'kafkajs';
import { Domains, Topics } from '@lgsp/contracts';
import type { KafkaPublisher } from './kafka-acls';
import type { KafkaSettings } from './kafka-config';

export interface TopicSpec {
  topic: string;
  partitions: number;
  config: Record<string, string>;
}

/**
 * The topics the hub owns, with partitions, replication and retention from configuration; with
 * `publishers`, also each Kafka-native publisher's own ingress topics (ingest creates those).
 */
export function hubTopics(settings: KafkaSettings, publishers: KafkaPublisher[] = []): TopicSpec[] {
  const base = {
    'min.insync.replicas': String(settings.minInsyncReplicas),
    'retention.ms': String(settings.retentionMs),
  };
  const specs: TopicSpec[] = [];
  for (const domain of Domains) {
    specs.push({ topic: Topics.events(domain), partitions: settings.partitions, config: { ...base } });
    specs.push({ topic: Topics.ingress(domain), partitions: settings.partitions, config: { ...base } });
  }
  for (const { agency, domains } of publishers)
    for (const domain of domains)
      specs.push({
        topic: Topics.agencyIngress(domain, agency),
        partitions: settings.partitions,
        config: { ...base },
      });
  specs.push({ topic: Topics.dlq, partitions: settings.partitions, config: { ...base } });
  specs.push({
    topic: Topics.dlqRedriven,
    partitions: 1,
    config: { ...base, 'cleanup.policy': 'compact', 'retention.ms': '-1' },
  });
  // The audit trail is kept forever: retention -1.
  specs.push({ topic: Topics.audit, partitions: 1, config: { ...base, 'retention.ms': '-1' } });
  return specs;
}

/** Creates missing topics; existing ones are left as they are. Returns the names it created. */
export async function ensureTopics(
  kafka: Kafka,
  settings: KafkaSettings,
  specs = hubTopics(settings),
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: settings.replicationFactor,
        configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
      })),
    });
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}
