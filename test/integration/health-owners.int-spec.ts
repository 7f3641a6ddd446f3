import { randomUUID } from 'node:crypto';
import { PoisonRecordError, toKafkaRecord, type ConsumedRecord } from '@lgsp/kafka';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { encounterRecorded, event, sampleName, samplePersonalId } from '@lgsp/testing';
import { HealthProjectionService } from '../../apps/health/src/health-projection.service';
import { HealthRepository } from '../../apps/health/src/health.repository';

/**
 * Issue 10: a health record belongs to its facility. Another facility's event for the same encounter
 * (same MA_LK) must not overwrite it: the projection refuses it as LGSP_ERR_NOT_OWNER (the consumer
 * runner sends such a record to the DLQ), and an event whose source is not the facility it names is a
 * dead letter before the store. Real database (PGlite or PostgreSQL), a schema of its own.
 */
describe('health projection: only the facility changes its records (integration)', () => {
  const schema = `owners_${randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 12)}`;
  let db: Database;
  let repository: HealthRepository;
  let sut: HealthProjectionService;
  let offset = 0;

  const record = (data: object, source: string): ConsumedRecord => {
    const r = toKafkaRecord(event('vn.lgsp.health.encounter-recorded.v1', data, source), 'k');
    return {
      topic: 'lgsp.health.events',
      partition: 0,
      offset: String(offset++),
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: String(Date.now()),
    };
  };

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ ...process.env, LGSP_PGLITE_DIR: 'memory' }, 'owners'));
    repository = new HealthRepository(db, schema);
    await repository.migrate();
    sut = new HealthProjectionService(repository, new SchemaRegistry(), { landAreas: {}, delegations: {} });
  }, 60_000);
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db?.close();
  });

  it("refuses another facility's record for an existing encounter, and keeps the owner's", async () => {
    const own = encounterRecorded(samplePersonalId(801), sampleName(801), 801);
    expect(await sut.handle([record(own, '/22001/his')])).toEqual([]);

    const takeover = { ...own, MA_CSKCB: '22002', MA_BENH_CHINH: 'Z00.0' };
    const refused = sut.handle([record(takeover, '/22002/his')]);
    await expect(refused).rejects.toBeInstanceOf(PoisonRecordError);
    await expect(refused).rejects.toMatchObject({ code: 'LGSP_ERR_NOT_OWNER' });
    expect(await repository.encounterFacility(db, own.MA_LK)).toBe('22001');
  });

  it('sends an event whose source is not the facility it names to the dead letters', async () => {
    const other = encounterRecorded(samplePersonalId(802), sampleName(802), 802);
    const dead = await sut.handle([record(other, '/22002/his')]);
    expect(dead.map((d) => d.code)).toEqual(['LGSP_ERR_NOT_OWNER']);
  });
});
