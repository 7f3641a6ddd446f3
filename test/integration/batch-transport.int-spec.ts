import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, Param, ParseIntPipe, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import {
  ConsumeBatch,
  createKafka,
  ensureTopics,
  EventProducer,
  KafkaBatchServer,
  loadKafkaSettings,
  type ConsumedRecord,
  type DeadLetter,
} from '@lgsp/kafka';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import {
  committedOffset,
  createTestTopic,
  endOffsets,
  eventually,
  readToEnd,
  uniqueSchema,
  type Offsets,
} from '@lgsp/testing';

/** The read model of the test: one row per record, refusing the value 'poison' (a CHECK, SQLSTATE 23514). */
class Rows {
  /** the size of each batch the handler was given */
  readonly calls: number[] = [];
  /** while set, the handler waits for it after its transaction (PGlite answers no other query during one) */
  hold?: Promise<void>;

  constructor(
    readonly db: Database,
    readonly schema: string,
  ) {}

  async migrate(): Promise<void> {
    await this.db.query(`CREATE SCHEMA ${this.schema}`);
    await this.db.query(
      `CREATE TABLE ${this.schema}.rows (partition int NOT NULL, "offset" bigint NOT NULL,
         value text NOT NULL CHECK (value <> 'poison'), PRIMARY KEY (partition, "offset"))`,
    );
  }

  /** All-or-nothing and idempotent, as a batch handler must be. */
  async apply(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    this.calls.push(records.length);
    await this.db.transaction(async (tx) => {
      for (const r of records)
        await tx.query(
          `INSERT INTO ${this.schema}.rows (partition, "offset", value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [r.partition, r.offset, String(r.value)],
        );
    });
    await this.hold;
    return [];
  }

  async values(partition: number): Promise<string[]> {
    const { rows } = await this.db.query<{ value: string }>(
      `SELECT value FROM ${this.schema}.rows WHERE partition = $1 ORDER BY "offset"`,
      [partition],
    );
    return rows.map((r) => r.value);
  }
}

/** A controller as a service would write one: a consumer handler and an HTTP route on the same read model. */
@Controller('rows')
class RowsController {
  constructor(private readonly rows: Rows) {}

  @ConsumeBatch('test.rows')
  project(@Payload() records: ConsumedRecord[]): Promise<DeadLetter[]> {
    return this.rows.apply(records);
  }

  @Get(':partition')
  async list(@Param('partition', ParseIntPipe) partition: number): Promise<{ values: string[] }> {
    return { values: await this.rows.values(partition) };
  }
}

@Module({})
class RowsModule {
  static register(rows: Rows): DynamicModule {
    return {
      module: RowsModule,
      controllers: [RowsController],
      providers: [{ provide: Rows, useValue: rows }],
    };
  }
}

/**
 * KafkaBatchServer in a hybrid Nest app (Fastify + the custom transport) with a real broker and a real
 * database: batches reach the decorated handler, offsets are committed only after its transaction, a
 * record the store refuses goes to lgsp.dlq while the next ones are applied, a store that fails holds the
 * partition (retried with back-off) and app.close() leaves the group. A topic, a consumer group and a
 * schema of its own.
 */
describe('KafkaBatchServer (integration)', () => {
  const groupId = `lgsp-test-batch-${randomUUID()}`;
  const schema = uniqueSchema('batch');
  let kafka: Kafka;
  let admin: Admin;
  let raw: Producer;
  let producer: EventProducer;
  let db: Database;
  let rows: Rows;
  let topic: string;
  let dlqStart: Offsets;
  let server: KafkaBatchServer;
  const metrics = new Registry();
  let app: NestFastifyApplication | undefined;
  let url: string;
  /** lets a held handler return (also on a failed test, so that the app can close) */
  let release: () => void = () => undefined;

  beforeAll(async () => {
    const settings = loadKafkaSettings(process.env, 'batch-transport-test');
    kafka = createKafka(settings);
    await ensureTopics(kafka, settings);
    topic = await createTestTopic(kafka, 2);
    dlqStart = await endOffsets(kafka, Topics.dlq);
    admin = kafka.admin();
    await admin.connect();
    raw = kafka.producer();
    await raw.connect();
    producer = new EventProducer(kafka);
    await producer.connect();
    db = await openDatabase(loadStoreSettings({ ...process.env, LGSP_PGLITE_DIR: 'memory' }, 'batch'));
    rows = new Rows(db, schema);
    await rows.migrate();
  }, 60_000);

  afterAll(async () => {
    release();
    await app?.close();
    await producer?.disconnect();
    await raw?.disconnect();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db?.close();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.disconnect();
  }, 60_000);

  /** Writes values to one partition in one request; returns their offsets. */
  async function write(partition: number, values: string[]): Promise<string[]> {
    const [meta] = await raw.send({
      topic,
      messages: values.map((value, i) => ({ key: `k${i}`, value, partition })),
    });
    return values.map((_, i) => (BigInt(meta.baseOffset ?? '0') + BigInt(i)).toString());
  }

  const committed = (partition: number) => committedOffset(kafka, groupId, topic, partition);

  const committedTo = (partition: number, offset: string) =>
    eventually(async () => ((await committed(partition)) === offset ? true : undefined), 60_000);

  it('hands batches to the decorated handler and commits them only after its transaction', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const offsets = await write(0, values);
    rows.hold = new Promise((resolve) => (release = resolve));

    server = new KafkaBatchServer({
      kafka,
      producer,
      groupId,
      topics: { 'test.rows': topic },
      metrics,
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
    });
    app = await NestFactory.create<NestFastifyApplication>(RowsModule.register(rows), new FastifyAdapter(), {
      logger: false,
    });
    app.connectMicroservice({ strategy: server });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();

    // The handler's transaction has committed but the handler has not returned: no offset is committed.
    await eventually(async () => ((await rows.values(0)).length > 0 ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await committed(0)).toBe('-1');
    await expect(server.assertRunning()).resolves.toBeUndefined();

    release();
    await committedTo(0, (BigInt(offsets[offsets.length - 1]) + 1n).toString());
    expect(await rows.values(0)).toEqual(values);
    expect(Math.max(...rows.calls)).toBeGreaterThan(1);
    expect(await (await fetch(`${url}/rows/0`)).json()).toEqual({ values });
  }, 120_000);

  it('dead-letters a record the store refuses and applies the next ones', async () => {
    const offsets = await write(1, ['a', 'poison', 'b']);
    await committedTo(1, (BigInt(offsets[2]) + 1n).toString());
    expect(await rows.values(1)).toEqual(['a', 'b']);

    const letters = await eventually(async () => {
      const found = (await readToEnd(kafka, Topics.dlq, dlqStart)).filter(
        (r) => r.headers[DlqHeaders.originalTopic] === topic,
      );
      return found.length > 0 ? found : undefined;
    });
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.value).toBe('poison');
    expect(letter.headers[DlqHeaders.originalPartition]).toBe('1');
    expect(letter.headers[DlqHeaders.originalOffset]).toBe(offsets[1]);
    expect(letter.headers[DlqHeaders.errorCode]).toBe('LGSP_ERR_UNSTORABLE_EVENT');
    expect(letter.headers[DlqHeaders.errorDetail]).toMatch(/^SQLSTATE 23514: /);
    expect(letter.headers[DlqHeaders.consumerGroup]).toBe(groupId);
  }, 120_000);

  it('holds the partition while the store fails, retrying with back-off, then applies the batch', async () => {
    const retried = async () =>
      ((await metrics.getSingleMetric('lgsp_consumer_retried_total')?.get())?.values ?? []).reduce(
        (n, v) => n + v.value,
        0,
      );
    await db.query(`ALTER TABLE ${schema}.rows RENAME TO rows_away`);
    const offsets = await write(1, ['c', 'd']);
    await eventually(async () => ((await retried()) >= 2 ? true : undefined), 60_000);
    expect(await committed(1)).toBe(offsets[0]);
    await db.query(`ALTER TABLE ${schema}.rows_away RENAME TO rows`);
    await committedTo(1, (BigInt(offsets[1]) + 1n).toString());
    expect(await rows.values(1)).toEqual(['a', 'b', 'c', 'd']);
    const letters = (await readToEnd(kafka, Topics.dlq, dlqStart)).filter(
      (r) => r.headers[DlqHeaders.originalTopic] === topic,
    );
    expect(letters).toHaveLength(1);
  }, 120_000);

  it('stops consuming on app.close(): the group is left and later records stay unread', async () => {
    const before = await committed(0);
    await app?.close();
    app = undefined;
    await expect(server.assertRunning()).rejects.toThrow('stopped');
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group.members).toEqual([]);

    await write(0, ['late']);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await rows.values(0)).not.toContain('late');
    expect(await committed(0)).toBe(before);
  }, 60_000);
});
