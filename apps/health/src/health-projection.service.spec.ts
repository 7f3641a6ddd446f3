import { PoisonRecordError } from '@lgsp/kafka';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { consumed, encounterRecorded, event, sampleName, samplePersonalId } from '@lgsp/samples';
import { claimTime, HealthProjectionService } from './health-projection.service';
import { HealthRepository, type EncounterRow } from './health.repository';

jest.setTimeout(30_000);

describe('claimTime', () => {
  it('reads the claim tables’ yyyyMMddHHmm as Vietnam time', () => {
    expect(claimTime('202611150830')).toBe('2026-11-15T08:30:00+07:00');
    expect(new Date(claimTime('202601010005')).toISOString()).toBe('2025-12-31T17:05:00.000Z');
  });
});

/** The health projection against an in-memory PGlite: encounters, settled claims and vaccinations. */
describe(HealthProjectionService.name, () => {
  let db: Database;
  let repository: HealthRepository;
  let sut: HealthProjectionService;
  let offset = 0;
  let serial = 500;
  const his = '/22001/his';

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ LGSP_PGLITE_DIR: 'memory' }, 'health'));
    repository = new HealthRepository(db);
    await repository.migrate();
    sut = new HealthProjectionService(repository, new SchemaRegistry(), { landAreas: {}, delegations: {} });
  }, 60_000);
  afterAll(() => db?.close());

  const apply = (...events: [type: string, data: object, source?: string][]) =>
    sut.handle(
      events.map(([type, data, source]) =>
        consumed(event(`vn.lgsp.health.${type}.v1`, data, source ?? his), offset++),
      ),
    );
  const encounter = () => {
    serial += 1;
    return encounterRecorded(samplePersonalId(serial), sampleName(serial), serial);
  };
  /** numeric columns: strings from PostgreSQL, numbers from PGlite; updated_at is the database's clock */
  const view = (e: EncounterRow | undefined) => {
    if (!e) return undefined;
    const row: Partial<EncounterRow & { updated_at: Date }> & EncounterRow = { ...e };
    delete row.updated_at;
    const num = (v: string | null) => (v === null ? null : Number(v));
    return {
      ...row,
      total_cost: Number(row.total_cost),
      insurance_paid: num(row.insurance_paid),
      patient_co_payment: num(row.patient_co_payment),
      patient_paid: num(row.patient_paid),
      claim_paid: num(row.claim_paid),
    };
  };

  it('projects an encounter from claim table 1 and its settled claim', async () => {
    const e = encounter();
    expect(await apply(['encounter-recorded', e])).toEqual([]);
    expect(view(await repository.encounter(e.MA_LK))).toEqual({
      id: e.MA_LK,
      facility_code: '22001',
      patient_code: e.MA_BN,
      patient_name: e.HO_TEN,
      personal_id: e.SO_CCCD,
      birth: e.NGAY_SINH,
      gender: e.GIOI_TINH,
      card_number: e.MA_THE_BHYT,
      admitted_at: new Date('2026-11-15T08:30:00+07:00'),
      discharged_at: new Date('2026-11-19T10:00:00+07:00'),
      main_diagnosis: 'J18.9',
      secondary_diagnoses: ['I10', 'E11.9'],
      treatment_result: 1,
      discharge_kind: 1,
      total_cost: 8_450_000,
      insurance_paid: 6_760_000,
      patient_co_payment: 1_690_000,
      patient_paid: 0,
      claim_settled_at: null,
      claim_outcome: null,
      claim_paid: null,
    });

    const settledAt = '2026-11-28T10:00:00+07:00';
    await apply([
      'claim-settled',
      {
        MA_LK: e.MA_LK,
        MA_CSKCB: '22001',
        NGAY_THANH_TOAN: settledAt,
        KET_QUA_GIAM_DINH: 2,
        T_BHTT: 6_500_000,
      },
    ]);
    expect(view(await repository.encounter(e.MA_LK))).toMatchObject({
      claim_settled_at: new Date(settledAt),
      claim_outcome: 2,
      claim_paid: 6_500_000,
    });
  });

  it("replaces an encounter its facility sends again, and refuses another facility's", async () => {
    const e = encounter();
    await apply(['encounter-recorded', e]);
    await apply(['encounter-recorded', { ...e, MA_BENH_CHINH: 'J15.9', NGAY_RA: undefined }]);
    expect(view(await repository.encounter(e.MA_LK))).toMatchObject({
      main_diagnosis: 'J15.9',
      discharged_at: null,
    });
    const takeover = apply(['encounter-recorded', { ...e, MA_CSKCB: '22002' }, '/22002/his']);
    await expect(takeover).rejects.toBeInstanceOf(PoisonRecordError);
    await expect(takeover).rejects.toMatchObject({ code: 'LGSP_ERR_NOT_OWNER' });
    expect(view(await repository.encounter(e.MA_LK))).toMatchObject({ facility_code: '22001' });
  });

  it("records a vaccination once, and refuses another facility's record under its id", async () => {
    const personalId = samplePersonalId(777);
    const shot = {
      MA_TIEM_CHUNG: `VX-22001-${offset}`,
      SO_CCCD: personalId,
      HO_TEN: sampleName(777),
      NGAY_SINH: '201901020000',
      MA_CSKCB: '22001',
      MA_VAC_XIN: 'MMR',
      TEN_VAC_XIN: 'Sởi - Quai bị - Rubella',
      MUI_THU: 2,
      NGAY_TIEM: '2026-11-20T09:00:00+07:00',
    };
    expect(
      await apply(['vaccination-recorded', shot], ['vaccination-recorded', { ...shot, MUI_THU: 3 }]),
    ).toEqual([]);
    expect(await repository.vaccinationsOf(personalId, 10)).toEqual([
      {
        id: shot.MA_TIEM_CHUNG,
        personal_id: personalId,
        name: shot.HO_TEN,
        facility_code: '22001',
        vaccine_code: 'MMR',
        vaccine_name: shot.TEN_VAC_XIN,
        dose: 2,
        given_at: new Date(shot.NGAY_TIEM),
      },
    ]);
    await expect(
      apply(['vaccination-recorded', { ...shot, MA_CSKCB: '22002' }, '/22002/his']),
    ).rejects.toMatchObject({ code: 'LGSP_ERR_NOT_OWNER' });
  });

  it('dead-letters an event whose source is not the facility it names, and one its schema refuses', async () => {
    const e = encounter();
    const dead = await apply(
      ['encounter-recorded', e, '/22002/his'],
      ['encounter-recorded', { ...e, GIOI_TINH: 7 }],
    );
    expect(dead.map((d) => d.code)).toEqual(['LGSP_ERR_NOT_OWNER', 'LGSP_ERR_SCHEMA_INVALID']);
    expect(await repository.encounter(e.MA_LK)).toBeUndefined();
  });
});
