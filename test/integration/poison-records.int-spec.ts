import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import {
  ConsumerRunner,
  createKafka,
  EventProducer,
  loadKafkaSettings,
  readRanges,
  resolveRange,
  toKafkaRecord,
  type ConsumedRecord,
} from '@lgsp/kafka';
import { ReadModelRebuild } from '@lgsp/domain-service';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { dossierLifecycle, eventually, uniqueDossierCode } from '@lgsp/testing';
import { DossierProjectionService } from '../../apps/dossier/src/dossier-projection.service';
import { DossierRepository } from '../../apps/dossier/src/dossier.repository';

/**
 * A record the read model can never store (a NUL inside a string: jsonb and text both refuse it, on
 * PostgreSQL and PGlite) goes to lgsp.dlq and the partition goes on; a database that fails for a while
 * holds the partition and nothing goes to the DLQ; a rebuild over the poisoned topic completes. Uses a
 * topic, a consumer group and a schema of its own, with the dossier projection.
 */
describe('poison records (integration)', () => {
  const topic = `lgsp.test.poison.${randomUUID()}`;
  const groupId = `lgsp-test-poison-${randomUUID()}`;
  // schema names are letters and underscores only
  const schema = `poison_${randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 12)}`;
  let kafka: Kafka;
  let admin: Admin;
  let raw: Producer;
  let dlqProducer: EventProducer;
  let db: Database;
  let repository: DossierRepository;
  let registry: SchemaRegistry;
  let runner: ConsumerRunner;
  const metrics = new Registry();
  let dlqStart: Record<number, string>;

  beforeAll(async () => {
    kafka = createKafka(loadKafkaSettings(process.env, 'poison-test'));
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    dlqStart = Object.fromEntries(
      (await admin.fetchTopicOffsets(Topics.dlq)).map((p) => [p.partition, p.high]),
    );
    raw = kafka.producer();
    await raw.connect();
    dlqProducer = new EventProducer(kafka);
    await dlqProducer.connect();
    db = await openDatabase(loadStoreSettings({ ...process.env, LGSP_PGLITE_DIR: 'memory' }, 'poison'));
    repository = new DossierRepository(db, schema);
    await repository.migrate();
    registry = new SchemaRegistry();
    const projection = new DossierProjectionService(repository, registry);
    runner = new ConsumerRunner(kafka, dlqProducer, {
      groupId,
      topics: [topic],
      handler: (records) => projection.handle(records),
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
      metrics,
    });
    await runner.start();
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await dlqProducer?.disconnect();
    await raw?.disconnect();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db?.close();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.disconnect();
  });

  /** Writes events to partition 0 of the test topic in one request; returns their offsets. */
  async function write(events: ReturnType<typeof dossierLifecycle>): Promise<string[]> {
    const [meta] = await raw.send({
      topic,
      messages: events.map((e) => ({
        ...toKafkaRecord(e, (e.data as { MaHoSo: string }).MaHoSo),
        partition: 0,
      })),
    });
    return events.map((_, i) => (BigInt(meta.baseOffset ?? '0') + BigInt(i)).toString());
  }

  /** The dead letters of the test topic written since the test began. */
  async function deadLetters(): Promise<ConsumedRecord[]> {
    const found: ConsumedRecord[] = [];
    const ranges = await resolveRange(kafka, Topics.dlq, { kind: 'offsets', offsets: dlqStart });
    await readRanges(kafka, Topics.dlq, ranges, async (records) => {
      found.push(...records.filter((r) => r.headers[DlqHeaders.originalTopic] === topic));
    });
    return found;
  }

  async function committed(): Promise<string | undefined> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.find((p) => p.partition === 0)?.offset;
  }

  const statusOf = async (code: string) => (await repository.byCode(code))?.status;

  let poisonOffset: string;

  it('dead-letters exactly the record the store refuses, projects the others and commits past it', async () => {
    const [before, poisoned, after] = [uniqueDossierCode(), uniqueDossierCode(), uniqueDossierCode()];
    const bad = dossierLifecycle(poisoned, 1)[0];
    (bad.data as { ChuHoSo: string }).ChuHoSo = 'Nguyễn\u0000Văn A';
    const events = [...dossierLifecycle(before, 2), bad, ...dossierLifecycle(after, 3)];
    const offsets = await write(events);
    poisonOffset = offsets[5];

    await eventually(async () => ((await statusOf(after)) === 10 ? true : undefined), 60_000);
    expect(await statusOf(before)).toBe(10);
    expect(await repository.byCode(poisoned)).toBeUndefined();
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.status_history WHERE code = ANY($1)`,
      [[before, after]],
    );
    expect(rows[0].n).toBe(10);

    const letters = await eventually(async () => {
      const found = await deadLetters();
      return found.length > 0 ? found : undefined;
    });
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.headers[DlqHeaders.errorCode]).toBe('LGSP_ERR_UNSTORABLE_EVENT');
    expect(letter.headers[DlqHeaders.errorDetail]).toMatch(/SQLSTATE 22/);
    expect(letter.headers[DlqHeaders.originalPartition]).toBe('0');
    expect(letter.headers[DlqHeaders.originalOffset]).toBe(poisonOffset);
    expect(letter.headers[DlqHeaders.consumerGroup]).toBe(groupId);
    expect(letter.headers.ce_id).toBe(bad.id);
    expect(letter.value?.toString('utf8')).toBe(JSON.stringify(bad.data));

    const end = (BigInt(offsets[offsets.length - 1]) + 1n).toString();
    await eventually(async () => ((await committed()) === end ? true : undefined));
  }, 120_000);

  it('holds the partition while the database fails, then applies everything and dead-letters nothing', async () => {
    const retried = async () =>
      ((await metrics.getSingleMetric('lgsp_consumer_retried_total')?.get())?.values ?? []).reduce(
        (n, v) => n + v.value,
        0,
      );
    const retriedBefore = await retried();
    // The store "fails": a table the projection needs is gone (a deployment problem, not the records').
    await db.query(`ALTER TABLE ${schema}.applied_events RENAME TO applied_events_away`);
    const codes = [uniqueDossierCode(), uniqueDossierCode()];
    const offsets = await write(codes.flatMap((c, i) => dossierLifecycle(c, i)));
    await eventually(async () => ((await retried()) >= retriedBefore + 2 ? true : undefined), 60_000);
    expect(await statusOf(codes[0])).toBeUndefined();
    await db.query(`ALTER TABLE ${schema}.applied_events_away RENAME TO applied_events`);

    await eventually(
      async () => ((await Promise.all(codes.map(statusOf))).every((s) => s === 10) ? true : undefined),
      60_000,
    );
    const end = (BigInt(offsets[offsets.length - 1]) + 1n).toString();
    await eventually(async () => ((await committed()) === end ? true : undefined));
    expect((await deadLetters()).map((r) => r.headers[DlqHeaders.originalOffset])).toEqual([poisonOffset]);
  }, 120_000);

  it('rebuilds the read model over a topic that holds a poison record, skipping and reporting it', async () => {
    await runner.stop();
    const rebuild = new ReadModelRebuild(db, kafka, topic, {
      live: repository,
      in: (other) => new DossierRepository(db, other),
      projection: (model) => new DossierProjectionService(model, registry),
    });
    rebuild.start('test-operator');
    const end = await rebuild.finished();
    expect(end?.error).toBeUndefined();
    expect(end?.state).toBe('completed');
    expect(end?.refused).toBe(1);
    expect(end?.refusals).toEqual([
      { partition: 0, offset: poisonOffset, code: 'LGSP_ERR_UNSTORABLE_EVENT' },
    ]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.dossiers WHERE status = 10`,
    );
    expect(rows[0].n).toBe(4);
  }, 120_000);

  it('skips a poison record that arrives during the rebuild, inside the switch transaction', async () => {
    const rebuild = new ReadModelRebuild(db, kafka, topic, {
      live: repository,
      in: (other) => new DossierRepository(db, other),
      projection: (model) => new DossierProjectionService(model, registry),
    });
    const late = uniqueDossierCode();
    const bad = dossierLifecycle(uniqueDossierCode(), 4)[0];
    (bad.data as { ChuHoSo: string }).ChuHoSo = 'Trần\u0000Thị B';
    let lateOffsets: Promise<string[]> | undefined;
    const end = await rebuild.run(
      {
        id: randomUUID(),
        state: 'running',
        requestedBy: 'test-operator',
        topic,
        startedAt: new Date().toISOString(),
        total: 0,
        processed: 0,
        refused: 0,
        eventsPerSecond: 0,
      },
      new AbortController().signal,
      // Written after the first pass resolved its range: read in the catch-up, inside the switch.
      () => void (lateOffsets ??= write([bad, ...dossierLifecycle(late, 5)])),
    );
    const offsets = await (lateOffsets as Promise<string[]>);
    expect(end.error).toBeUndefined();
    expect(end.state).toBe('completed');
    expect(end.refusals).toEqual([
      { partition: 0, offset: poisonOffset, code: 'LGSP_ERR_UNSTORABLE_EVENT' },
      { partition: 0, offset: offsets[0], code: 'LGSP_ERR_UNSTORABLE_EVENT' },
    ]);
    expect(await statusOf(late)).toBe(10);
  }, 120_000);
});
