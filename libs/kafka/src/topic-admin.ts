import { ConfigResourceTypes, ConfigSource, type Admin, type Kafka } from 'kafkajs';
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
  const base = { 'min.insync.replicas': String(settings.minInsyncReplicas) };
  const keep = (ms: number) => ({ ...base, 'retention.ms': String(ms) });
  const specs: TopicSpec[] = [];
  for (const domain of Domains) {
    // The domain topics are the system of record: rebuilds read them from offset 0.
    specs.push({
      topic: Topics.events(domain),
      partitions: settings.partitions,
      config: keep(settings.retention.events),
    });
    specs.push({
      topic: Topics.ingress(domain),
      partitions: settings.partitions,
      config: keep(settings.retention.ingress),
    });
  }
  for (const { agency, domains } of publishers)
    for (const domain of domains)
      specs.push({
        topic: Topics.agencyIngress(domain, agency),
        partitions: settings.partitions,
        config: keep(settings.retention.ingress),
      });
  specs.push({ topic: Topics.dlq, partitions: settings.partitions, config: keep(settings.retention.dlq) });
  specs.push({
    topic: Topics.dlqRedriven,
    partitions: 1,
    config: { ...keep(-1), 'cleanup.policy': 'compact' },
  });
  // One partition: a parked call's dead letter names partition 0, where a redrive writes it back.
  specs.push({ topic: Topics.nationalRedrive, partitions: 1, config: keep(settings.retention.dlq) });
  // The audit trail is kept forever: retention -1.
  specs.push({ topic: Topics.audit, partitions: 1, config: keep(-1) });
  return specs;
}

/** How topic administration reports what it changed on existing topics. */
export type TopicLog = (msg: string, fields: Record<string, unknown>) => void;

/** One JSON line on stderr, like the Kafka client's own logs (see createKafka). */
const stderrLog: TopicLog = (msg, fields) =>
  process.stderr.write(`${JSON.stringify({ level: 'warn', logger: 'topic-admin', msg, ...fields })}\n`);

/**
 * Creates missing topics and aligns the retention of existing ones with the specs (a hub once started
 * with a shorter retention would otherwise go on deleting history). Returns the names it created.
 */
export async function ensureTopics(
  kafka: Kafka,
  settings: KafkaSettings,
  specs = hubTopics(settings),
  log: TopicLog = stderrLog,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0)
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: settings.replicationFactor,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    await alignRetention(
      admin,
      specs.filter((s) => existing.has(s.topic) && s.config['retention.ms'] !== undefined),
      log,
    );
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}

async function alignRetention(admin: Admin, specs: TopicSpec[], log: TopicLog): Promise<void> {
  if (specs.length === 0) return;
  let described: Awaited<ReturnType<Admin['describeConfigs']>>;
  try {
    described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic })),
    });
  } catch (error) {
    // With Kafka ACLs only ingest's principal manages topic settings; other services leave it to it.
    if ((error as { type?: unknown }).type !== 'TOPIC_AUTHORIZATION_FAILED') throw error;
    log('not authorized to read topic settings: retention is aligned by ingest', {});
    return;
  }
  const changes = [];
  for (const spec of specs) {
    const resource = described.resources.find((r) => r.resourceName === spec.topic);
    if (!resource) continue;
    const wanted = spec.config['retention.ms'];
    const current = resource.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
    if (current === wanted) continue;
    // AlterConfigs (the only form this client speaks) replaces every setting made on the topic, so the
    // ones set there (cleanup.policy, min.insync.replicas, …) are sent again with the new retention.
    const own = resource.configEntries
      .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== 'retention.ms')
      .map((e) => ({ name: e.configName, value: e.configValue }));
    changes.push({
      topic: spec.topic,
      from: current,
      to: wanted,
      configEntries: [...own, { name: 'retention.ms', value: wanted }],
    });
  }
  if (changes.length === 0) return;
  await admin.alterConfigs({
    validateOnly: false,
    resources: changes.map((c) => ({
      type: ConfigResourceTypes.TOPIC,
      name: c.topic,
      configEntries: c.configEntries,
    })),
  });
  for (const c of changes)
    log('aligned topic retention with configuration', {
      topic: c.topic,
      fromRetentionMs: c.from ?? null,
      toRetentionMs: c.to,
    });
}
