import { createServer } from 'node:net';
import type { Env } from '@lgsp/core';
import {
  DvcqgDefaultPaths,
  planDelivery,
  reconcile,
  type DossierEvent,
  type DossierRecord,
  type DvcqgRestSettings,
  type NationalAdapter,
  type NationalCall,
} from '@lgsp/national';
import { loadNationalSimConfig } from './national-sim.config';
import { startNationalSim } from './national-sim.app';
import type { NationalSim } from './national-sim.service';
import type { SimDossier } from './sim-state';

/** The dossier the simulator specs deliver, its two events and the four calls they plan. */
export const code = '000.00.01.H22-260302-0007';
export const options = { systemActor: 'Hệ thống một cửa điện tử tỉnh' };

export const events: DossierEvent[] = [
  {
    id: 'evt-1',
    type: 'vn.lgsp.dossier.submitted.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 1,
      MaTTHC: '1.001234',
      TenTTHC: 'Đăng ký khai sinh',
      MaLinhVuc: 'HT',
      MaCoQuan: '000.00.01.H22',
      KenhThucHien: 2,
      ChuHoSo: 'Nguyễn Văn An',
      SoDinhDanhChuHoSo: '001203004567',
      NgayNopHoSo: '2026-03-02T08:15:30+07:00',
      DanhSachLePhi: [],
    },
  },
  {
    id: 'evt-2',
    type: 'vn.lgsp.dossier.received.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 2,
      DonViXuLy: 'UBND xã Tân Lập',
      CanBoTiepNhan: 'Phạm Thu Hà',
      NgayTiepNhan: '2026-03-03T14:20:00+07:00',
      NgayHenTra: '2026-03-10T16:30:00+07:00',
    },
  },
];

/** The calls of the events, in order: [create, step 1, replace, step 2]. */
export function plannedCalls(): [NationalCall, NationalCall, NationalCall, NationalCall] {
  let record: DossierRecord | undefined;
  const calls: NationalCall[] = [];
  for (const event of events) {
    const plan = planDelivery(record, event, options);
    if (plan.kind !== 'deliver') throw new Error(`not planned: ${plan.kind}`);
    record = plan.record;
    calls.push(...plan.calls);
  }
  if (calls.length !== 4) throw new Error(`planned ${calls.length} calls, not 4`);
  return calls as [NationalCall, NationalCall, NationalCall, NationalCall];
}

/** A port nothing listens on: one the system just gave out and took back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The simulator on a free port, with the province's account (and `env` on top). */
export function startSimForTest(env: Env = {}): ReturnType<typeof startNationalSim> {
  return startNationalSim(
    loadNationalSimConfig({
      NATIONAL_SIM_PORT: '0',
      NATIONAL_SIM_USERNAME: 'province',
      NATIONAL_SIM_PASSWORD: 'province-password',
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
}

/** The DVCQG REST adapter's settings for the simulator at `url`, with the account startSimForTest gives it. */
export function dvcqgSettings(url: string, overrides: Partial<DvcqgRestSettings> = {}): DvcqgRestSettings {
  return {
    kind: 'dvcqg-rest',
    baseUrl: url,
    loginPath: DvcqgDefaultPaths.login,
    syncPath: DvcqgDefaultPaths.sync,
    username: 'province',
    password: 'province-password',
    agencyCode: '000.00.01.H22',
    timeoutMs: 5000,
    ...overrides,
  };
}

/** Sends the four planned calls through `adapter`, each delivered; the dossier is then held with both steps. */
export async function deliverAll(
  adapter: NationalAdapter,
  sim: NationalSim,
): Promise<SimDossier | undefined> {
  for (const call of plannedCalls()) expect(await adapter.send(call)).toEqual({ kind: 'delivered' });
  const held = sim.state.dossier(code);
  expect(held?.madonvi).toBe('000.00.01.H22');
  expect(held?.record.TrangThaiHoSo).toBe('2');
  expect(held?.progress.map((s) => s.TrangThai)).toEqual(['1', '2']);
  return held;
}

/**
 * The bridge's own path after the create of a fresh dossier came back unknown: look (TraCuuHoSo), reconcile, and
 * send the create again as a replace with the create's key — delivered, and no second record.
 */
export async function reconcileCreate(adapter: NationalAdapter, create: NationalCall): Promise<void> {
  const found = await adapter.lookup(create.dossierCode);
  expect(found).toEqual({ kind: 'found', view: { exists: true, progress: [] } });
  const decided = found.kind === 'found' ? reconcile(create, found.view) : undefined;
  expect(decided?.kind).toBe('send');
  if (decided?.kind === 'send') expect(await adapter.send(decided.call)).toEqual({ kind: 'delivered' });
}
