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
import { event, eventually, parcelRegistered, sampleName, samplePersonalId } from '@lgsp/testing';
import { LandProjectionService } from '../../apps/land/src/land-projection.service';
import { LandRepository } from '../../apps/land/src/land.repository';

/**
 * A record the read model can never store goes to lgsp.dlq and the partition goes on; a database that
 * fails for a while holds the partition and nothing goes to the DLQ; a rebuild over the poisoned topic
 * completes. The poison: a parcel that names the same holder twice — valid by its schema, refused by
 * the store (unique violation, SQLSTATE 23505) on PostgreSQL and PGlite alike. Beside it, a NUL in an
 * address, which the consumed-record rules refuse before the store. Uses a topic, a consumer group and
 * a schema of its own, with the land projection.
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
  let repository: LandRepository;
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
    repository = new LandRepository(db, schema);
    await repository.migrate();
    registry = new SchemaRegistry();
    const projection = new LandProjectionService(repository, registry);
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

  let serial = 7000;
  type Parcel = ReturnType<typeof parcelRegistered>;
  const parcel = (): Parcel => {
    serial += 1;
    return parcelRegistered(samplePersonalId(serial), sampleName(serial), serial);
  };
  /** The same holder twice: the store's primary key (parcel, holder) refuses the second row. */
  const twoHolders = (): Parcel => {
    const p = parcel();
    const holder = { ...p.NguoiSuDung[0], TyLe: 0.5 };
    return { ...p, NguoiSuDung: [holder, holder] };
  };
  const withNul = (): Parcel => ({ ...parcel(), DiaChi: 'Thửa\u0000 9' });

  /** Writes parcel registrations to partition 0 of the test topic in one request; returns their offsets. */
  async function write(parcels: Parcel[]): Promise<string[]> {
    const [meta] = await raw.send({
      topic,
      messages: parcels.map((p) => ({
        ...toKafkaRecord(event('vn.lgsp.land.parcel-registered.v1', p), p.MaThuaDat),
        partition: 0,
      })),
    });
    return parcels.map((_, i) => (BigInt(meta.baseOffset ?? '0') + BigInt(i)).toString());
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

  const stored = async (p: Parcel) => (await repository.byId(p.MaThuaDat)) !== undefined;
  const allStored = async (parcels: Parcel[]) =>
    (await Promise.all(parcels.map(stored))).every(Boolean) ? true : undefined;
  const parcelCount = async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.parcels`)).rows[0].n;

  const good: Parcel[] = [];
  let poison: { offset: string; code: string }[] = [];

  it('dead-letters exactly the records the store refuses, projects the others and commits past them', async () => {
    const before = [parcel(), parcel(), parcel()];
    const [refused, nul] = [twoHolders(), withNul()];
    const after = [parcel(), parcel()];
    const offsets = await write([...before, refused, nul, ...after]);
    good.push(...before, ...after);

    await eventually(() => allStored(good), 60_000);
    expect(await stored(refused)).toBe(false);
    expect(await stored(nul)).toBe(false);
    const end = (BigInt(offsets[offsets.length - 1]) + 1n).toString();
    await eventually(async () => ((await committed()) === end ? true : undefined));

    const letters = await eventually(async () => {
      const found = await deadLetters();
      return found.length >= 2 ? found : undefined;
    });
    // Dead letters keep their key, so they may land on different partitions of lgsp.dlq.
    letters.sort((a, b) =>
      Number(BigInt(a.headers[DlqHeaders.originalOffset]) - BigInt(b.headers[DlqHeaders.originalOffset])),
    );
    poison = letters.map((l) => ({
      offset: l.headers[DlqHeaders.originalOffset],
      code: l.headers[DlqHeaders.errorCode],
    }));
    expect(poison).toEqual([
      { offset: offsets[3], code: 'LGSP_ERR_UNSTORABLE_EVENT' },
      { offset: offsets[4], code: 'LGSP_ERR_UNSTORABLE_TEXT' },
    ]);
    const [letter] = letters;
    expect(letter.headers[DlqHeaders.errorDetail]).toMatch(/^SQLSTATE 23505: /);
    expect(letter.headers[DlqHeaders.originalPartition]).toBe('0');
    expect(letter.headers[DlqHeaders.consumerGroup]).toBe(groupId);
    expect(JSON.parse(letter.value?.toString('utf8') ?? '')).toEqual(refused);
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
    const more = [parcel(), parcel(), parcel()];
    const offsets = await write(more);
    good.push(...more);
    await eventually(async () => ((await retried()) >= retriedBefore + 2 ? true : undefined), 60_000);
    expect(await stored(more[0])).toBe(false);
    await db.query(`ALTER TABLE ${schema}.applied_events_away RENAME TO applied_events`);

    await eventually(() => allStored(more), 60_000);
    const end = (BigInt(offsets[offsets.length - 1]) + 1n).toString();
    await eventually(async () => ((await committed()) === end ? true : undefined));
    expect((await deadLetters()).map((r) => r.headers[DlqHeaders.originalOffset]).sort()).toEqual(
      poison.map((p) => p.offset).sort(),
    );
  }, 120_000);

  const rebuildOf = () =>
    new ReadModelRebuild(db, kafka, topic, {
      live: repository,
      in: (other) => new LandRepository(db, other),
      projection: (model) => new LandProjectionService(model, registry),
    });

  it('rebuilds the read model over a topic that holds poison records, skipping and reporting them', async () => {
    await runner.stop();
    const rebuild = rebuildOf();
    await rebuild.start('test-operator');
    const end = await rebuild.finished();
    expect(end?.error).toBeUndefined();
    expect(end?.state).toBe('completed');
    expect(end?.refused).toBe(2);
    expect(end?.refusals).toEqual(poison.map((p) => ({ partition: 0, ...p })));
    expect(await parcelCount()).toBe(good.length);
    expect(await allStored(good)).toBe(true);
  }, 120_000);

  it('skips a poison record that arrives during the rebuild, inside the switch transaction', async () => {
    const [late, lateGood] = [twoHolders(), parcel()];
    let lateOffsets: Promise<string[]> | undefined;
    const end = await rebuildOf().run(
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
      () => void (lateOffsets ??= write([late, lateGood])),
    );
    const offsets = await (lateOffsets as Promise<string[]>);
    expect(end.error).toBeUndefined();
    expect(end.state).toBe('completed');
    expect(end.refusals).toEqual([
      ...poison.map((p) => ({ partition: 0, ...p })),
      { partition: 0, offset: offsets[0], code: 'LGSP_ERR_UNSTORABLE_EVENT' },
    ]);
    expect(await stored(lateGood)).toBe(true);
    expect(await stored(late)).toBe(false);
  }, 120_000);
});
