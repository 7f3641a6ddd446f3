import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrailReport } from '@lgsp/audit';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, loadKafkaSettings } from '@lgsp/kafka';
import {
  encounterRecorded,
  event,
  eventually,
  parcelRegistered,
  runCli,
  sampleName,
  samplePersonalId,
  startGroupAtEnd,
  submitted,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { loadHealthConfig, startHealth } from '../../apps/health/src/health.app';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';
import { loadLandConfig, startLand } from '../../apps/land/src/land.app';

const FULL = 'dev-consumer-key-ioc';
const PARTIAL = 'dev-consumer-key-land-office';
const NONE = 'dev-consumer-key-press';

interface GqlResponse<T> {
  data: T | null;
  errors?: { message: string; extensions?: { code?: string; fields?: string[] } }[];
}
interface CitizenView {
  citizen: {
    personalId: string;
    dossiers: { code: string; applicantPersonalId: string }[];
    parcels: { id: string; holders: { holderId: string; share: number }[] }[];
    encounters: {
      id: string;
      patientPersonalId: string;
      mainDiagnosis: string;
      secondaryDiagnoses: string[];
      totalCost: number | null;
      claimStatus: string | null;
    }[];
    vaccinations: { vaccineName: string }[];
  } | null;
}

const CITIZEN = `query Citizen($id: String!) {
  citizen(personalId: $id) {
    personalId
    dossiers { code applicantPersonalId }
    parcels { id holders { holderId share } }
    encounters { id patientPersonalId mainDiagnosis secondaryDiagnoses totalCost claimStatus }
    vaccinations { vaccineName }
  }
}`;

/** One citizen across three subgraphs, with grants, masking, refusals, limits and the audit trail. */
describe('citizen across domains end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-citizen-'));
  const run = randomUUID();
  // The gateway's limits come from the policy file: a copy with a small depth and cost limit.
  const policyFile = join(dir, 'policy.json');
  const policy = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'config', 'policy.dev.json'), 'utf8'),
  ) as {
    limits: Record<string, number>;
  };
  writeFileSync(
    policyFile,
    JSON.stringify({ ...policy, limits: { ...policy.limits, maxDepth: 4, maxCost: 1500 } }),
  );
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    DOSSIER_PORT: '0',
    LAND_PORT: '0',
    HEALTH_PORT: '0',
    GATEWAY_PORT: '0',
    LGSP_PGLITE_DIR: dir,
    DOSSIER_CONSUMER_GROUP: `lgsp-dossier-citizen-${run}`,
    LAND_CONSUMER_GROUP: `lgsp-land-citizen-${run}`,
    HEALTH_CONSUMER_GROUP: `lgsp-health-citizen-${run}`,
  };
  const n = Math.floor(Math.random() * 900_000);
  const personalId = samplePersonalId(n);
  const name = sampleName(n);
  const code = uniqueDossierCode();
  const parcel = parcelRegistered(personalId, name, n);
  const encounter = encounterRecorded(personalId, name, n);
  let ingest: RunningApp;
  let services: RunningApp[] = [];
  let land: Awaited<ReturnType<typeof startLand>>;
  let health: Awaited<ReturnType<typeof startHealth>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  const publish = async (key: string, source: string, type: string, data: object) => {
    const response = await fetch(`${ingest.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
      body: JSON.stringify(event(type, data, source)),
    });
    expect(response.status).toBe(202);
  };
  const query = async <T>(
    url: string,
    key: string,
    q: string,
    variables: object = {},
    purpose: string | null = 'public-service',
  ): Promise<GqlResponse<T>> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': key,
        ...(purpose ? { 'x-lgsp-purpose': purpose } : {}),
      },
      body: JSON.stringify({ query: q, variables }),
    });
    return (await response.json()) as GqlResponse<T>;
  };
  const codes = (r: GqlResponse<unknown>) => (r.errors ?? []).map((e) => e.extensions?.code);

  beforeAll(async () => {
    // Each projection starts at its topic's end now: the stores hold this run's events, not the shared topics'.
    const kafka = createKafka(loadKafkaSettings(env, 'citizen-e2e'));
    await startGroupAtEnd(kafka, env.DOSSIER_CONSUMER_GROUP, [Topics.events('dossier')]);
    await startGroupAtEnd(kafka, env.LAND_CONSUMER_GROUP, [Topics.events('land')]);
    await startGroupAtEnd(kafka, env.HEALTH_CONSUMER_GROUP, [Topics.events('health')]);
    ingest = await startIngest(loadIngestConfig(env));
    const dossier = await startDossier(loadDossierConfig(env));
    land = await startLand(loadLandConfig(env));
    health = await startHealth(loadHealthConfig(env));
    services = [dossier, land, health];
    gateway = await startGateway(
      loadGatewayConfig({
        ...env,
        LGSP_POLICY_FILE: policyFile,
        GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql,land=${land.url}/graphql,health=${health.url}/graphql`,
      }),
    );
    await publish('dev-publisher-key-000.00.01.H22', '/000.00.01.H22/igate', 'vn.lgsp.dossier.submitted.v1', {
      ...submitted(code, n),
      SoDinhDanhChuHoSo: personalId,
      ChuHoSo: name,
    });
    await publish(
      'dev-publisher-key-000.00.02.H22',
      '/000.00.02.H22/vilis',
      'vn.lgsp.land.parcel-registered.v1',
      parcel,
    );
    await publish('dev-publisher-key-22001', '/22001/his', 'vn.lgsp.health.encounter-recorded.v1', encounter);
    await publish('dev-publisher-key-22001', '/22001/his', 'vn.lgsp.health.claim-settled.v1', {
      MA_LK: encounter.MA_LK,
      MA_CSKCB: '22001',
      NGAY_THANH_TOAN: '2026-11-21T10:00:00+07:00',
      KET_QUA_GIAM_DINH: 1,
      T_BHTT: 6_760_000,
    });
    await publish('dev-publisher-key-22001', '/22001/his', 'vn.lgsp.health.vaccination-recorded.v1', {
      MA_TIEM_CHUNG: `TC-${n}`,
      SO_CCCD: personalId,
      HO_TEN: name,
      NGAY_SINH: '199003150000',
      MA_CSKCB: '22001',
      MA_VAC_XIN: 'VAT',
      TEN_VAC_XIN: 'Vắc xin uốn ván hấp phụ',
      MUI_THU: 2,
      NGAY_TIEM: '2026-11-10T08:00:00+07:00',
    });
    await eventually(async () => {
      const r = await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId });
      const c = r.data?.citizen;
      return c &&
        c.dossiers.length &&
        c.parcels.length &&
        c.encounters[0]?.claimStatus &&
        c.vaccinations.length
        ? true
        : undefined;
    }, 90_000);
  }, 240_000);
  afterAll(async () => {
    await gateway?.close();
    for (const s of services) await s.close();
    await ingest?.close();
  }, 60_000);

  it('gives a fully granted consumer the citizen’s dossiers, parcels and encounters in one query', async () => {
    const r = await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId });
    expect(r.errors).toBeUndefined();
    expect(r.data?.citizen).toEqual({
      personalId,
      dossiers: [{ code, applicantPersonalId: personalId }],
      parcels: [{ id: parcel.MaThuaDat, holders: [{ holderId: personalId, share: 1 }] }],
      encounters: [
        {
          id: encounter.MA_LK,
          patientPersonalId: personalId,
          mainDiagnosis: 'J18.9',
          secondaryDiagnoses: ['I10', 'E11.9'],
          totalCost: 8_450_000,
          claimStatus: 'ACCEPTED',
        },
      ],
      vaccinations: [{ vaccineName: 'Vắc xin uốn ván hấp phụ' }],
    });
  });

  it('masks the categories a partially granted consumer lacks, with a clear error per category', async () => {
    const r = await query<CitizenView>(gateway.url, PARTIAL, CITIZEN, { id: personalId });
    const [e] = r.data?.citizen?.encounters ?? [];
    expect(e).toMatchObject({
      patientPersonalId: personalId,
      mainDiagnosis: '***',
      secondaryDiagnoses: ['***', '***'],
      totalCost: null,
    });
    expect(r.data?.citizen?.parcels[0].holders[0].holderId).toBe(personalId);
    const masked = (r.errors ?? []).filter((x) => x.extensions?.code === 'LGSP_ERR_FIELD_MASKED');
    expect(masked.map((x) => x.message)).toEqual([
      expect.stringContaining('the diagnosis category is not granted to land-office'),
      expect.stringContaining('the cost category is not granted to land-office'),
    ]);
  });

  it('refuses a consumer without the land and health grants, naming the fields', async () => {
    const r = await query<CitizenView>(gateway.url, NONE, CITIZEN, { id: personalId });
    expect(r.data).toBeNull();
    expect(codes(r)).toEqual(['LGSP_ERR_FIELD_FORBIDDEN']);
    expect(r.errors?.[0].message).toContain('Citizen.parcels: the land domain is not granted to press');
    expect(r.errors?.[0].message).toContain('Citizen.encounters: the health domain is not granted to press');
  });

  it('checks the caller at the subgraph too, so going around the gateway gains nothing', async () => {
    const q = `query ($id: String!) { encounter(id: $id) { id mainDiagnosis } }`;
    const refused = await query<unknown>(health.url, NONE, q, { id: encounter.MA_LK });
    expect(codes(refused)).toEqual(['LGSP_ERR_FIELD_FORBIDDEN']);
    // A read through the gateway is counted once (the gateway's entry; each subgraph's entry for it says
    // "via gateway"); one straight to the subgraph is audited and counted by the subgraph. With PostgreSQL
    // they share one chain in one store, with PGlite each has its own.
    const audited = async () =>
      new Map(
        [...(await gateway.audit.entries()), ...(await health.audit.entries())]
          .filter((e) => !e.operationName?.endsWith(' (via gateway)'))
          .map((e) => [`${e.chain}:${e.seq}`, e]),
      );
    const before = (await audited()).size;
    await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId });
    expect((await audited()).size).toBe(before + 1);
    const masked = await query<{ encounter: { mainDiagnosis: string } }>(health.url, PARTIAL, q, {
      id: encounter.MA_LK,
    });
    expect(masked.data?.encounter.mainDiagnosis).toBe('***');
    expect((await audited()).size).toBe(before + 2);
    expect((await health.audit.entries()).at(-1)).toMatchObject({
      consumer: { id: 'land-office' },
      masked: ['Encounter.mainDiagnosis'],
      records: [encounter.MA_LK],
    });
    const anonymous = await fetch(`${health.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: q, variables: { id: encounter.MA_LK } }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('requires a purpose for personal data and enforces depth and cost limits with clear errors', async () => {
    const noPurpose = await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId }, null);
    expect(codes(noPurpose)).toEqual(['LGSP_ERR_PURPOSE_REQUIRED']);
    expect(noPurpose.errors?.[0].message).toContain('x-lgsp-purpose');

    const deep = await query<unknown>(
      gateway.url,
      FULL,
      `{ dossiers(first: 5) { edges { node { history { status } } } } }`,
    );
    expect(codes(deep)).toEqual(['LGSP_ERR_QUERY_TOO_DEEP']);

    const costly = await query<unknown>(
      gateway.url,
      FULL,
      // first: 500 returns at most maxListSize (200) items and is counted so: 2 + 200 × 8 fields
      `query ($id: String!) { citizen(personalId: $id) { encounters(first: 500) { id admittedAt facilityCode dischargedAt claimStatus claimSettledAt patientPersonalId mainDiagnosis } } }`,
      { id: personalId },
    );
    expect(codes(costly)).toEqual(['LGSP_ERR_QUERY_TOO_COSTLY']);
  });

  it('writes each personal-data read to a signed audit trail whose tampering verification catches', async () => {
    // More than nine entries, so that an order by seq as text would show (10 before 9).
    for (let i = 0; i < 10; i++) await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId });
    const counted = async () =>
      (await gateway.audit.entries()).filter((e) => !e.operationName?.endsWith(' (via gateway)'));
    const before = (await counted()).length;
    await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId }, 'inspection');
    const entries = await gateway.audit.entries();
    const last = entries[entries.length - 1];
    expect((await counted()).length).toBe(before + 1);
    // Regression: entries were ordered by their seq as text, so entry 10 came before entry 9.
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(last).toMatchObject({
      consumer: { id: 'ioc' },
      purpose: 'inspection',
      operationName: 'Citizen',
      citizens: [gateway.audit.subjectDigest(personalId)],
      domains: ['dossier', 'health', 'land'],
    });
    expect(last.fields).toEqual(
      expect.arrayContaining([
        'Encounter.mainDiagnosis',
        'Encounter.totalCost',
        'Dossier.applicantPersonalId',
      ]),
    );
    expect(JSON.stringify(last)).not.toContain(personalId);

    const verify = async () =>
      (await (
        await fetch(`${gateway.url}/admin/audit/verify`, { headers: { 'x-api-key': 'dev-operator-key' } })
      ).json()) as TrailReport;
    const intact = await verify();
    expect(intact.ok).toBe(true);
    expect(intact.chains[0]).toMatchObject({
      name: 'data-access',
      chain: last.chain,
      store: { ok: true, entries: entries.length, signed: entries.length, unsigned: 0 },
    });
    // the operator's tool reaches the same report through the gateway
    const cli = await runCli(['--json', 'audit', 'verify'], {
      LGSP_API_KEY: 'dev-operator-key',
      LGSP_GATEWAY_URL: gateway.url,
    });
    expect({ code: cli.code, stderr: cli.stderr }).toMatchObject({ code: 0 });
    expect((JSON.parse(cli.stdout) as TrailReport).chains[0].store.ok).toBe(true);
    // the public keys verifiers check signatures against
    const keys = (await (await fetch(`${gateway.url}/audit/keys`)).json()) as {
      keys: Record<string, string>;
    };
    expect(Object.keys(keys.keys)).toContain(last.keyId);

    const target = entries[Math.max(0, entries.length - 2)].seq;
    await gateway.db.query(
      `UPDATE audit.entries SET entry = jsonb_set(entry, '{purpose}', '"statistics"') WHERE seq = $1`,
      [target],
    );
    const tampered = await verify();
    expect(tampered.ok).toBe(false);
    expect(tampered.chains[0].store).toEqual({
      ok: false,
      entries: entries.length,
      signed: target - 1,
      unsigned: 0,
      firstBroken: { seq: target, reason: 'its content does not match its hash (altered)' },
    });
    const broken = await runCli(['audit', 'verify'], {
      LGSP_API_KEY: 'dev-operator-key',
      LGSP_GATEWAY_URL: gateway.url,
    });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      `TAMPERED at entry ${target}: its content does not match its hash (altered)`,
    );
  }, 120_000);

  it('answers a coded error and no data when the audit store cannot record a read', async () => {
    await gateway.db.query(`ALTER TABLE audit.entries RENAME TO entries_away`);
    try {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': FULL,
          'x-lgsp-purpose': 'public-service',
        },
        body: JSON.stringify({ query: CITIZEN, variables: { id: personalId } }),
      });
      const text = await response.text();
      const body = JSON.parse(text) as GqlResponse<CitizenView>;
      expect(body.data ?? null).toBeNull();
      expect(codes(body)).toEqual(['LGSP_ERR_AUDIT_UNAVAILABLE']);
      expect(text).not.toContain('relation');
      expect(text).not.toContain('audit.entries');
      expect(text).not.toContain(personalId);
      expect(text).not.toContain('J18.9');
    } finally {
      await gateway.db.query(`ALTER TABLE audit.entries_away RENAME TO entries`);
    }
  });

  it('follows a parcel through an ownership transfer: holders, parcels by holder and the full history', async () => {
    const heir = samplePersonalId(n + 1);
    await publish(
      'dev-publisher-key-000.00.02.H22',
      '/000.00.02.H22/vilis',
      'vn.lgsp.land.ownership-transferred.v1',
      {
        MaThuaDat: parcel.MaThuaDat,
        MaXa: parcel.MaXa,
        SoHieuToBanDo: parcel.SoHieuToBanDo,
        SoThuTuThua: parcel.SoThuTuThua,
        ThoiDiem: '2026-11-20T09:00:00+07:00',
        HinhThuc: 3,
        NguoiSuDung: [
          { LoaiDoiTuong: 1, MaDinhDanh: personalId, HoTen: name, TyLe: 0.5 },
          { LoaiDoiTuong: 1, MaDinhDanh: heir, HoTen: sampleName(n + 1), TyLe: 0.5 },
        ],
      },
    );
    const PARCEL = `query Parcel($commune: String!, $sheet: Int!, $number: Int!, $heir: String!) {
      parcel(communeCode: $commune, sheetNumber: $sheet, parcelNumber: $number) {
        id holders { holderId share } history { eventType accepted kind }
      }
      parcelsByHolder(holderId: $heir, first: 5) { id holders { holderId } }
    }`;
    type ParcelView = {
      parcel: { id: string; holders: { holderId: string; share: number }[]; history: unknown[] } | null;
      parcelsByHolder: { id: string; holders: { holderId: string }[] }[];
    };
    const variables = {
      commune: parcel.MaXa,
      sheet: parcel.SoHieuToBanDo,
      number: parcel.SoThuTuThua,
      heir,
    };
    await eventually(async () => {
      const view = await query<ParcelView>(gateway.url, FULL, PARCEL, variables);
      return view.data?.parcel?.history.length === 2 ? view : undefined;
    }, 60_000);
    // The parcel with its holders and its history are separate statements: read again once the
    // transfer's history row is visible, so the whole commit is.
    const r = await query<ParcelView>(gateway.url, FULL, PARCEL, variables);
    expect(r.errors).toBeUndefined();
    expect(r.data?.parcel).toEqual({
      id: parcel.MaThuaDat,
      holders: [
        { holderId: personalId, share: 0.5 },
        { holderId: heir, share: 0.5 },
      ].sort((a, b) => a.holderId.localeCompare(b.holderId)),
      history: [
        { eventType: 'vn.lgsp.land.parcel-registered.v1', accepted: true, kind: null },
        { eventType: 'vn.lgsp.land.ownership-transferred.v1', accepted: true, kind: 3 },
      ],
    });
    expect(r.data?.parcelsByHolder).toEqual([
      { id: parcel.MaThuaDat, holders: expect.arrayContaining([{ holderId: heir }]) as unknown },
    ]);
  }, 90_000);

  /** `lgsp rebuild <model>` as an operator runs it, pointed at this test's service; it must complete. */
  const rebuildWithCli = async (model: 'land' | 'health', url: string) => {
    const run = await runCli(['--json', '--yes', 'rebuild', model], {
      LGSP_API_KEY: 'dev-operator-key',
      [`LGSP_${model.toUpperCase()}_URL`]: url,
    });
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout)).toMatchObject({ state: 'completed', topic: `lgsp.${model}.events` });
  };

  it('rebuilds the land read model from its topic with the operator tool, and readers get it all back', async () => {
    const view = async () =>
      (await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId })).data?.citizen?.parcels;
    const whole = await view();
    expect(whole?.[0]?.holders.length).toBeGreaterThan(0);
    // Damage the live model: only a rebuild from lgsp.land.events brings the holders back.
    await land.db.query(`DELETE FROM land.parcel_holders WHERE parcel_id = $1`, [parcel.MaThuaDat]);
    expect(await view()).toEqual([]);

    const unknown = await runCli(['--yes', 'rebuild', 'cadastre'], { LGSP_API_KEY: 'dev-operator-key' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown read model cadastre; known: dossier, land, health');
    const away = await runCli(['--yes', 'rebuild', 'land'], {
      LGSP_API_KEY: 'dev-operator-key',
      LGSP_LAND_URL: 'http://127.0.0.1:59999',
    });
    expect(away.code).toBe(1);
    expect(away.stderr).toContain(
      'the land service does not answer at http://127.0.0.1:59999 (LGSP_LAND_URL)',
    );

    await rebuildWithCli('land', land.url);
    expect(await view()).toEqual(whole);
  }, 180_000);

  it('rebuilds the health read model the same way', async () => {
    const encounters = async () =>
      (await query<CitizenView>(gateway.url, FULL, CITIZEN, { id: personalId })).data?.citizen?.encounters;
    const whole = await encounters();
    expect(whole?.[0]?.claimStatus).toBeTruthy();
    await health.db.query(`DELETE FROM health.claims WHERE encounter_id = $1`, [encounter.MA_LK]);
    expect((await encounters())?.[0]?.claimStatus).toBeNull();

    await rebuildWithCli('health', health.url);
    expect(await encounters()).toEqual(whole);
  }, 180_000);
});
