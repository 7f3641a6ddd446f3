import { DossierStatuses, type DossierStatusCode } from '@lgsp/contracts';

/**
 * Code lists of the DVCQG dossier sync. Where a list is published with the sync specification and repeated by the
 * public clients of it, the codes are those; where it is not, the assumption is named here and in
 * docs/national-bridge.md ("Sources and assumptions").
 */

/** The calls of the sync service (`service` in the request body). */
export const DvcqgServices = {
  /** create (isUpdating "False") or replace (isUpdating "True") the national record of a dossier */
  syncDossier: 'DongBoHoSoMC',
  /** append one step to the dossier's processing history */
  updateProgress: 'CapNhatTienDoHoSoMC',
  /** look a dossier up by MaHoSo: whether it exists, its record and its processing history */
  lookupDossier: 'TraCuuHoSo',
} as const;

export type DvcqgService = (typeof DvcqgServices)[keyof typeof DvcqgServices];

/**
 * TrangThaiHoSo (record) and TrangThai (progress step): the ten statuses of the national portal. The same codes
 * and names are in our contracts, which the dossier schemas pin one to one (`const` per event type).
 */
export const DvcqgStatus: Record<DossierStatusCode, { code: string; vi: string }> = Object.fromEntries(
  Object.entries(DossierStatuses).map(([code, s]) => [code, { code, vi: s.vi }]),
) as Record<DossierStatusCode, { code: string; vi: string }>;

/** LoaiDoiTuong: who owns the dossier. */
export const LoaiDoiTuong = { citizen: '1', enterprise: '2' } as const;

/**
 * HinhThuc: how the result is handed over, as the public clients send it: "1" by the public postal service,
 * "0" otherwise (at the counter or online). Our `HinhThucTra` is finer (1 counter, 2 online, 3 post).
 */
export const HinhThucTraKetQua = { direct: '0', postal: '1' } as const;

/** isUpdating of DongBoHoSoMC: the national side spells the booleans "True" and "False". */
export const IsUpdating = { create: 'False', replace: 'True' } as const;

/** Fee kinds, as our schema defines LoaiPhiLePhi (1 fee "phí", 2 charge "lệ phí") and its default names. */
export const FeeKindName: Record<1 | 2, string> = { 1: 'Phí', 2: 'Lệ phí' };
