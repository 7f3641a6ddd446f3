import { randomUUID } from 'node:crypto';
import {
  applyIsolatingPoison,
  toKafkaRecord,
  type BatchHandler,
  type CloudEvent,
  type ConsumedRecord,
} from '@lgsp/kafka';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { encounterRecorded, event, parcelRegistered, sampleName, samplePersonalId } from '@lgsp/testing';
import { HealthProjectionService } from '../../apps/health/src/health-projection.service';
import { HealthRepository } from '../../apps/health/src/health.repository';
import { LandProjectionService } from '../../apps/land/src/land-projection.service';
import { LandRepository } from '../../apps/land/src/land.repository';

/**
 * The land and health projections against the real database: a NUL inside a text field fails their
 * statements with a data exception, which the runner's isolation (the same function the consumer
 * runner and the rebuild use) narrows down to that record while the others are applied.
 */
describe('poison records in the land and health projections (integration)', () => {
  let db: Database;
  const registry = new SchemaRegistry();
  const suffix = randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 10);

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ ...process.env, LGSP_PGLITE_DIR: 'memory' }, 'poison'));
  });
  afterAll(async () => {
    for (const schema of [`land_${suffix}`, `health_${suffix}`])
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.close();
  });

  const asRecords = (events: CloudEvent[]): ConsumedRecord[] =>
    events.map((e, i) => {
      const r = toKafkaRecord(e, 'key');
      return {
        topic: 'test',
        partition: 0,
        offset: String(i),
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: '0',
      };
    });

  async function isolate(handle: BatchHandler, events: CloudEvent[]) {
    const { dead } = await applyIsolatingPoison(asRecords(events), handle);
    return dead.map((d) => ({
      offset: d.record.offset,
      code: d.code,
      sqlState: /SQLSTATE (\w+)/.exec(d.detail)?.[1],
    }));
  }

  it('land: a parcel whose address holds a NUL is refused alone', async () => {
    const repository = new LandRepository(db, `land_${suffix}`);
    await repository.migrate();
    const projection = new LandProjectionService(repository, registry);
    const parcels = [1, 2, 3, 4].map((n) => parcelRegistered(samplePersonalId(n), sampleName(n), 7000 + n));
    parcels[2].DiaChi = 'Thửa\u0000 9';
    const dead = await isolate(
      (records) => projection.handle(records),
      parcels.map((p) => event('vn.lgsp.land.parcel-registered.v1', p)),
    );
    expect(dead).toEqual([{ offset: '2', code: 'LGSP_ERR_UNSTORABLE_EVENT', sqlState: '22021' }]);
    for (const [i, p] of parcels.entries()) expect(Boolean(await repository.byId(p.MaThuaDat))).toBe(i !== 2);
  });

  it('health: an encounter whose patient name holds a NUL is refused alone', async () => {
    const repository = new HealthRepository(db, `health_${suffix}`);
    await repository.migrate();
    const projection = new HealthProjectionService(repository, registry);
    const encounters = [1, 2, 3].map((n) =>
      encounterRecorded(samplePersonalId(n), sampleName(n), 900_000 + n),
    );
    encounters[0].HO_TEN = 'Lê\u0000 C';
    const dead = await isolate(
      (records) => projection.handle(records),
      encounters.map((e) => event('vn.lgsp.health.encounter-recorded.v1', e)),
    );
    expect(dead).toEqual([{ offset: '0', code: 'LGSP_ERR_UNSTORABLE_EVENT', sqlState: '22021' }]);
    for (const [i, e] of encounters.entries())
      expect(Boolean(await repository.encounter(e.MA_LK))).toBe(i !== 0);
  });
});
