import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { RunningApp } from '@lgsp/platform';
import {
  createKafka,
  ensureTopics,
  EventProducer,
  loadKafkaSettings,
  toKafkaRecord,
  type CloudEvent,
} from '@lgsp/kafka';
import { replay } from '@lgsp/operations';
import {
  createTestTopic,
  dossierLifecycle,
  eventually,
  runCli,
  startGroupAtEnd,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadAdminConfig } from '../../apps/admin/src/admin.config';
import { startAdmin } from '../../apps/admin/src/admin.app';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';

const OPERATOR = 'dev-operator-key';

/**
 * The history in Kafka is the system of record: the hub keeps it, and its tools refuse to work from a
 * history whose start is gone unless told so. Each test truncates a topic of its own (deleteTopicRecords:
 * what retention does, without waiting for it).
 */
describe('history kept, truncated history refused (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'history-test');
  const kafka: Kafka = createKafka(settings);
  const producer = new EventProducer(kafka);

  beforeAll(async () => {
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });

  const createTopic = (partitions: number, config: Record<string, string> = {}) =>
    createTestTopic(kafka, partitions, config);
  const truncate = async (topic: string, partition: number, offset: string): Promise<void> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The client finds each partition's leader in its metadata cache: load it first.
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset }] });
    } finally {
      await admin.disconnect();
    }
  };
  const publish = (topic: string, events: CloudEvent[], partition?: number) =>
    producer.sendRaw(
      topic,
      events.map((e) => ({
        ...toKafkaRecord(e, (e.data as { MaHoSo: string }).MaHoSo),
        ...(partition === undefined ? {} : { partition }),
      })),
    );
  const configOf = async (topic: string): Promise<Record<string, string>> => {
    const admin = kafka.admin();
    await admin.connect();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }],
    });
    await admin.disconnect();
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  };

  it('aligns the retention of an existing topic with configuration, keeps its other settings, and says so', async () => {
    // A topic made by a hub that ran with the old 30-day default (here: one day, compacted).
    const topic = await createTopic(1, { 'retention.ms': '86400000', 'cleanup.policy': 'compact' });
    const logged: Record<string, unknown>[] = [];
    const spec = [{ topic, partitions: 1, config: { 'retention.ms': '-1' } }];

    await ensureTopics(kafka, settings, spec, (msg, fields) => logged.push({ msg, ...fields }));
    expect(await configOf(topic)).toEqual({ 'retention.ms': '-1', 'cleanup.policy': 'compact' });
    expect(logged).toEqual([
      {
        msg: 'aligned topic retention with configuration',
        topic,
        fromRetentionMs: '86400000',
        toRetentionMs: '-1',
      },
    ]);

    await ensureTopics(kafka, settings, spec, (msg, fields) => logged.push({ msg, ...fields }));
    expect(logged).toHaveLength(1);
  }, 60_000);

  it('refuses to replay a range whose start is gone, says what is missing, and proceeds when told', async () => {
    const source = await createTopic(2);
    const [a, b] = [uniqueDossierCode(), uniqueDossierCode()];
    await publish(source, [...dossierLifecycle(a, 1), ...dossierLifecycle(uniqueDossierCode(), 2)], 0);
    await publish(source, dossierLifecycle(b, 3).slice(0, 4), 1);
    await truncate(source, 0, '4');
    const gone = 'partition 0: first offset kept 4, 4 record(s) gone from offset 0';

    const refused = replay(kafka, producer, { source, from: { kind: 'earliest' }, dryRun: true });
    await expect(refused).rejects.toMatchObject({ code: 'LGSP_ERR_HISTORY_TRUNCATED', status: 409 });
    await expect(refused).rejects.toThrow(gone);
    // A range that starts after the gap has lost nothing.
    await expect(
      replay(kafka, producer, {
        source,
        from: { kind: 'offsets', offsets: { 0: '5', 1: '0' } },
        dryRun: true,
      }),
    ).resolves.toMatchObject({ read: 5 + 4, historyGaps: [] });
    await expect(
      replay(kafka, producer, {
        source,
        from: { kind: 'earliest' },
        dryRun: true,
        allowTruncatedHistory: true,
      }),
    ).resolves.toMatchObject({
      read: 6 + 4,
      historyGaps: [{ partition: 0, requested: '0', firstKept: '4', missing: '4' }],
    });

    const cli = await runCli(['--json', 'replay', source, '--dry-run'], { LGSP_API_KEY: OPERATOR });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('LGSP_ERR_HISTORY_TRUNCATED');
    expect(cli.stderr).toContain(gone);
    expect(cli.stderr).toContain('--allow-truncated-history');
    const allowed = await runCli(['--json', 'replay', source, '--dry-run', '--allow-truncated-history'], {
      LGSP_API_KEY: OPERATOR,
    });
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ read: 10, historyGaps: [{ partition: 0 }] });

    const admin = await startAdmin(loadAdminConfig({ ...process.env, ADMIN_PORT: '0' }));
    try {
      const call = (body: object) =>
        fetch(`${admin.url}/admin/replay`, {
          method: 'POST',
          headers: { 'x-api-key': OPERATOR, 'content-type': 'application/json' },
          body: JSON.stringify({ source, dryRun: true, ...body }),
        });
      const problem = await call({});
      expect(problem.status).toBe(409);
      expect(await problem.json()).toMatchObject({
        code: 'LGSP_ERR_HISTORY_TRUNCATED',
        detail: expect.stringContaining(gone) as unknown,
      });
      const ok = await call({ allowTruncatedHistory: true });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ read: 10 });
    } finally {
      await admin.close();
    }
  }, 120_000);

  it('refuses to rebuild a read model from a topic whose start is gone, unless told, on the API and in lgsp', async () => {
    const topic = await createTopic(settings.partitions);
    const env = {
      ...process.env,
      DOSSIER_PORT: '0',
      LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-history-')),
      DOSSIER_CONSUMER_GROUP: `lgsp-dossier-history-${randomUUID()}`,
    };
    await startGroupAtEnd(kafka, env.DOSSIER_CONSUMER_GROUP, [topic]);
    const dossier: RunningApp & Awaited<ReturnType<typeof startDossier>> = await startDossier({
      ...loadDossierConfig(env),
      topic,
    });
    try {
      const codes = Array.from({ length: 3 }, () => uniqueDossierCode());
      await publish(
        topic,
        codes.flatMap((c, i) => dossierLifecycle(c, i)),
      );
      await eventually(async () => {
        const rows = await Promise.all(codes.map((c) => dossier.repository.byCode(c)));
        return rows.every((r) => r?.status === 10) ? true : undefined;
      }, 60_000);
      const admin = kafka.admin();
      await admin.connect();
      const filled = (await admin.fetchTopicOffsets(topic)).find((p) => Number(p.high) >= 5);
      await admin.disconnect();
      const partition = filled?.partition ?? -1;
      await truncate(topic, partition, '2');
      const gone = `partition ${partition}: first offset kept 2, 2 record(s) gone from offset 0`;

      const post = (body: object) =>
        fetch(`${dossier.url}/admin/rebuild`, {
          method: 'POST',
          headers: { 'x-api-key': OPERATOR, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const problem = await post({});
      expect(problem.status).toBe(409);
      expect(await problem.json()).toMatchObject({
        code: 'LGSP_ERR_HISTORY_TRUNCATED',
        detail: expect.stringContaining(gone) as unknown,
      });
      expect(dossier.rebuild.status()).toBeUndefined();

      const lgsp = (args: string[]) =>
        runCli(['--json', '--yes', 'rebuild', 'dossier', ...args], {
          LGSP_API_KEY: OPERATOR,
          LGSP_DOSSIER_URL: dossier.url,
        });
      const refused = await lgsp([]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('LGSP_ERR_HISTORY_TRUNCATED');
      expect(refused.stderr).toContain(gone);

      const allowed = await lgsp(['--allow-truncated-history']);
      expect({ code: allowed.code, stderr: allowed.stderr }).toMatchObject({ code: 0 });
      expect(JSON.parse(allowed.stdout)).toMatchObject({
        state: 'completed',
        topic,
        processed: 15 - 2,
        historyGaps: [{ partition, requested: '0', firstKept: '2', missing: '2' }],
      });
    } finally {
      await dossier.close();
    }
  }, 180_000);
});
