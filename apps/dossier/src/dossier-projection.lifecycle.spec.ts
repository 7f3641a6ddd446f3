import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import {
  consumed,
  dossierLifecycle,
  event,
  parcelRegistered,
  SAMPLE_AGENCIES,
  submitted,
  uniqueDossierCode,
} from '@lgsp/samples';
import { DossierProjectionService } from './dossier-projection.service';
import { DossierRepository } from './dossier.repository';

jest.setTimeout(30_000);

/** The dossier projection against an in-memory PGlite: the lifecycle rules and the row each event leaves. */
describe(`${DossierProjectionService.name}: lifecycle across batches`, () => {
  let db: Database;
  let repository: DossierRepository;
  let sut: DossierProjectionService;
  let offset = 0;
  const at = (iso: string) => new Date(iso);
  const start = at('2026-11-02T01:00:00Z');
  const hours = (h: number) => new Date(start.getTime() + h * 3_600_000);
  const records = (events: ReturnType<typeof event>[]) => events.map((e) => consumed(e, offset++));
  const source = `/${SAMPLE_AGENCIES[0]}/igate`;

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ LGSP_PGLITE_DIR: 'memory' }, 'dossier'));
    repository = new DossierRepository(db);
    await repository.migrate();
    sut = new DossierProjectionService(repository, new SchemaRegistry());
  }, 60_000);
  afterAll(() => db?.close());

  it("projects a dossier's whole life into its row and its history, across batches", async () => {
    const code = uniqueDossierCode();
    const life = dossierLifecycle(code, 3, start);
    expect(await sut.handle(records(life.slice(0, 2)))).toEqual([]);
    expect(await sut.handle(records(life.slice(2)))).toEqual([]);

    const data = submitted(code, 3, start, SAMPLE_AGENCIES[0]);
    const row = await repository.byCode(code);
    // bigint: a string from PostgreSQL, a number from PGlite
    expect({ ...row, fees_total: Number(row?.fees_total) }).toEqual({
      code,
      procedure_code: data.MaTTHC,
      procedure_name: data.TenTTHC,
      field_code: data.MaLinhVuc,
      field_name: data.TenLinhVuc,
      agency_code: SAMPLE_AGENCIES[0],
      channel: data.KenhThucHien,
      applicant_name: data.ChuHoSo,
      applicant_personal_id: data.SoDinhDanhChuHoSo,
      status: 10,
      submitted_at: start,
      received_at: hours(2),
      due_at: hours(24 * 5),
      finished_at: hours(24 * 5),
      returned_at: hours(24 * 6),
      processing_unit: 'Phòng Tư pháp',
      fees_total: 8000,
      flagged: false,
      updated_at: hours(24 * 6),
    });
    const history = await repository.history(code);
    expect(history.map((h) => [h.previous_status, h.status, h.accepted, h.event_type])).toEqual([
      [null, 1, true, 'vn.lgsp.dossier.submitted.v1'],
      [1, 2, true, 'vn.lgsp.dossier.received.v1'],
      [2, 4, true, 'vn.lgsp.dossier.processing-step.v1'],
      [4, 9, true, 'vn.lgsp.dossier.processed.v1'],
      [9, 10, true, 'vn.lgsp.dossier.result-returned.v1'],
    ]);
    expect(history.map((h) => h.occurred_at)).toEqual([start, hours(2), hours(26), hours(120), hours(144)]);
    expect(history.map((h) => h.event_id)).toEqual(life.map((e) => e.id));
  });

  it('records a status change the lifecycle forbids without applying it, and flags the dossier', async () => {
    const code = uniqueDossierCode();
    const [submit, , , processed] = dossierLifecycle(code, 1, start);
    // 1 (submitted) → 9 (processed) skips reception.
    await sut.handle(records([submit, processed]));
    expect(await repository.byCode(code)).toMatchObject({ status: 1, flagged: true, finished_at: null });
    expect((await repository.history(code)).map((h) => [h.status, h.accepted, h.reason])).toEqual([
      [1, true, null],
      [9, false, 'transition 1 -> 9 is not allowed'],
    ]);
  });

  it('refuses an event for a dossier not submitted yet, and a second submission', async () => {
    const early = uniqueDossierCode();
    const [, received] = dossierLifecycle(early, 1, start);
    await sut.handle(records([received]));
    expect(await repository.byCode(early)).toBeUndefined();
    expect((await repository.history(early)).map((h) => [h.accepted, h.reason])).toEqual([
      [false, 'dossier not submitted yet'],
    ]);

    const twice = uniqueDossierCode();
    const again = event('vn.lgsp.dossier.submitted.v1', submitted(twice, 4, hours(1)), source);
    await sut.handle(records([dossierLifecycle(twice, 2, start)[0], again]));
    expect(await repository.byCode(twice)).toMatchObject({ submitted_at: start, flagged: true });
    expect((await repository.history(twice)).map((h) => h.reason)).toEqual([
      null,
      'dossier already submitted',
    ]);
  });

  it('applies an event delivered again (same source and id) once', async () => {
    const code = uniqueDossierCode();
    const life = dossierLifecycle(code, 5, start).slice(0, 3);
    await sut.handle(records(life));
    await sut.handle(records(life));
    await sut.handle(records([life[1], life[1]]));
    expect((await repository.history(code)).map((h) => h.status)).toEqual([1, 2, 4]);
    expect(await repository.byCode(code)).toMatchObject({ status: 4, flagged: false });
  });

  it('dead-letters records that are not valid dossier events and applies the others', async () => {
    const code = uniqueDossierCode();
    const notACloudEvent = { ...consumed(event('x', {}), offset++), headers: {} };
    const landEvent = consumed(
      event('vn.lgsp.land.parcel-registered.v1', parcelRegistered('1', 'A', 1)),
      offset++,
    );
    const incomplete: Record<string, unknown> = { ...submitted(uniqueDossierCode(), 1) };
    delete incomplete.MaTTHC;
    const invalid = consumed(event('vn.lgsp.dossier.submitted.v1', incomplete, source), offset++);
    const good = records(dossierLifecycle(code, 1, start).slice(0, 1));

    const dead = await sut.handle([notACloudEvent, landEvent, invalid, ...good]);
    expect(dead.map((d) => [d.record.offset, d.code])).toEqual([
      [notACloudEvent.offset, 'LGSP_ERR_CLOUDEVENT_INVALID'],
      [landEvent.offset, 'LGSP_ERR_UNKNOWN_TYPE'],
      [invalid.offset, 'LGSP_ERR_SCHEMA_INVALID'],
    ]);
    expect(dead[2].detail).toContain('MaTTHC');
    expect(await repository.byCode(code)).toMatchObject({ status: 1 });
  });

  it("with ownership rules, dead-letters an agency's event for another agency's dossier", async () => {
    const owned = new DossierProjectionService(repository, new SchemaRegistry(), {
      landAreas: {},
      delegations: { '000.00.99.H22': [SAMPLE_AGENCIES[0]] },
    });
    const [theirs, byDelegate] = [
      uniqueDossierCode(SAMPLE_AGENCIES[0]),
      uniqueDossierCode(SAMPLE_AGENCIES[0]),
    ];
    const foreign = consumed(
      event('vn.lgsp.dossier.submitted.v1', submitted(theirs, 1), `/${SAMPLE_AGENCIES[1]}/igate`),
      offset++,
    );
    const delegate = consumed(
      event('vn.lgsp.dossier.submitted.v1', submitted(byDelegate, 1), '/000.00.99.H22/igate'),
      offset++,
    );
    const dead = await owned.handle([foreign, delegate]);
    expect(dead.map((d) => [d.record.offset, d.code])).toEqual([[foreign.offset, 'LGSP_ERR_NOT_OWNER']]);
    expect(await repository.byCode(theirs)).toBeUndefined();
    expect(await repository.byCode(byDelegate)).toMatchObject({ status: 1 });
  });
});
