import { Registry } from 'prom-client';
import type { Caller } from '@lgsp/auth';
import { Topics, type HubEvent } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import {
  toKafkaRecord,
  type CloudEvent,
  type Delivery,
  type EventProducer,
  type KafkaRecord,
} from '@lgsp/kafka';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import {
  event,
  parcelRegistered,
  publisherRegistry,
  SAMPLE_AGENCIES,
  submitted,
  uniqueDossierCode,
} from '@lgsp/samples';
import { IngestService } from './ingest.service';
import { ReceiptRepository } from './receipt.repository';

jest.setTimeout(30_000);

/** Records what is published; fails the sends it is told to. */
class FakeProducer {
  readonly sent: { topic: string; record: KafkaRecord }[] = [];
  failures = 0;

  async publish(topic: string, event: HubEvent, key: string): Promise<Delivery> {
    const record = toKafkaRecord(event, key);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new HubError('LGSP_ERR_BROKER_UNAVAILABLE', 'the broker did not answer');
    }
    this.sent.push({ topic, record });
    return { topic, partition: 3, offset: String(100 + this.sent.length) };
  }
}

/** The rules of publishing, with the receipts in an in-memory PGlite and the broker replaced. */
describe(IngestService.name, () => {
  const agency = SAMPLE_AGENCIES[0];
  const source = `/${agency}/igate`;
  const callers = publisherRegistry(agency, ['vn.lgsp.dossier.*']);
  const caller: Caller = callers.list()[0];
  let db: Database;
  let producer: FakeProducer;
  let sut: IngestService;
  const serviceOn = (database: Database) => {
    const receipts = new ReceiptRepository(database);
    return new IngestService(
      new SchemaRegistry(),
      callers,
      { landAreas: {}, delegations: {} },
      producer as unknown as EventProducer,
      receipts,
      new Registry(),
    );
  };

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ LGSP_PGLITE_DIR: 'memory' }, 'ingest'));
    await new ReceiptRepository(db).migrate();
  }, 60_000);
  afterAll(() => db?.close());
  beforeEach(() => {
    producer = new FakeProducer();
    sut = serviceOn(db);
  });

  const dossier = (code = uniqueDossierCode(agency)): CloudEvent =>
    event('vn.lgsp.dossier.submitted.v1', submitted(code, 1), source);
  const codeOf = async (publish: Promise<unknown>): Promise<string | undefined> =>
    publish.then(
      () => undefined,
      (error: unknown) => (error instanceof HubError ? error.code : String(error)),
    );

  it('writes an accepted event to its domain topic, keyed and subject-ed by its aggregate', async () => {
    const code = uniqueDossierCode(agency);
    const e = dossier(code);
    expect(await sut.publish(caller, e)).toEqual({
      id: e.id,
      source,
      type: e.type,
      status: 202,
      duplicate: false,
      topic: Topics.events('dossier'),
      partition: 3,
      offset: '101',
    });
    expect(producer.sent).toHaveLength(1);
    const [{ topic, record }] = producer.sent;
    expect(topic).toBe(Topics.events('dossier'));
    expect(record.key).toBe(code);
    expect(record.headers).toMatchObject({ ce_id: e.id, ce_source: source, ce_subject: code });
    expect(JSON.parse(record.value.toString('utf8'))).toEqual(e.data);
  });

  it('answers a re-sent event with its original result, also after a restart, without writing it again', async () => {
    const e = dossier();
    const first = await sut.publish(caller, e);
    const again = await sut.publish(caller, { ...e });
    const afterRestart = await serviceOn(db).publish(caller, { ...e });
    expect(again).toEqual({ ...first, status: 200, duplicate: true });
    expect(afterRestart).toEqual(again);
    expect(producer.sent).toHaveLength(1);
  });

  it('refuses other content under an id already accepted', async () => {
    const e = dossier();
    await sut.publish(caller, e);
    const other = { ...e, data: submitted((e.data as { MaHoSo: string }).MaHoSo, 2) };
    expect(await codeOf(sut.publish(caller, other))).toBe('LGSP_ERR_DUPLICATE_CONFLICT');
  });

  it('frees the claim of an event the broker did not take, so that its retry is a first publish', async () => {
    const e = dossier();
    producer.failures = 1;
    expect(await codeOf(sut.publish(caller, e))).toBe('LGSP_ERR_BROKER_UNAVAILABLE');
    expect(await sut.publish(caller, e)).toMatchObject({ status: 202, duplicate: false });
  });

  it.each<[string, () => CloudEvent, string]>([
    [
      'a type the publisher is not granted',
      () => event('vn.lgsp.land.parcel-registered.v1', parcelRegistered('1', 'A', 1), source),
      'LGSP_ERR_FORBIDDEN',
    ],
    [
      'a source the publisher is not granted',
      () => ({ ...dossier(), source: '/000.00.02.H22/igate' }),
      'LGSP_ERR_FORBIDDEN',
    ],
    [
      'an unknown type',
      () => ({ ...dossier(), type: 'vn.lgsp.dossier.archived.v1' }),
      'LGSP_ERR_UNKNOWN_TYPE',
    ],
    ['data its schema refuses', () => ({ ...dossier(), data: { MaHoSo: 'x' } }), 'LGSP_ERR_SCHEMA_INVALID'],
    [
      'text the store cannot keep',
      () => ({ ...dossier(), data: { ...submitted(uniqueDossierCode(agency), 1), ChuHoSo: 'A\u0000B' } }),
      'LGSP_ERR_UNSTORABLE_TEXT',
    ],
    ["another agency's dossier", () => dossier(uniqueDossierCode(SAMPLE_AGENCIES[1])), 'LGSP_ERR_NOT_OWNER'],
  ])('refuses %s and writes nothing', async (_, make, code) => {
    expect(await codeOf(sut.publish(caller, make()))).toBe(code);
    expect(producer.sent).toEqual([]);
  });

  it('judges each event of a batch on its own', async () => {
    const good = dossier();
    const bad = { ...dossier(), data: { MaHoSo: 'x' } };
    const unparsed = new HubError('LGSP_ERR_CLOUDEVENT_INVALID', 'not a CloudEvent');
    const results = await sut.publishBatch(caller, [good, unparsed, bad]);
    expect(results.map((r) => ('code' in r ? r.code : r.status))).toEqual([
      202,
      'LGSP_ERR_CLOUDEVENT_INVALID',
      'LGSP_ERR_SCHEMA_INVALID',
    ]);
    expect(results[2]).toMatchObject({ id: bad.id, source });
    expect(producer.sent).toHaveLength(1);
  });
});
