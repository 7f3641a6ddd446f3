import {
  AllowedTransitions,
  type DossierStatusCode,
  type DossierSubmittedV1,
  type EventDataMap,
  type EventType,
  type LePhi,
} from '@lgsp/contracts';
import { FeeKindName, HinhThucTraKetQua, LoaiDoiTuong } from './codes';
import type { HoSoBoSung, HoSoDongBo, LePhiDongBo, TienDoHoSo } from './payloads';
import { toDvcqgTime } from './time';

/**
 * THE mapping from our dossier events to the DVCQG dossier sync, in one place: which event field feeds which
 * national field, with which conversion. docs/national-bridge.md has the same tables for people; the spec beside
 * this file checks them field by field.
 *
 * The national record (DongBoHoSoMC) is a whole record, sent again at every change, while our events are changes.
 * So the bridge folds the events of a dossier into a `DossierRecord` (our field names, our RFC 3339 times), and
 * every call is rendered from the folded record (`toHoSoDongBo`) or from the one event (`toTienDoHoSo`).
 */

export type DossierEventType = Extract<EventType, `vn.lgsp.dossier.${string}`>;

/** A validated dossier event: the CloudEvent attributes the mapping needs, data typed by `type`. */
export type DossierEvent = {
  [T in DossierEventType]: { id: string; type: T; data: EventDataMap[T] };
}[DossierEventType];

export interface SupplementRequest {
  content: string;
  requestedAt: string;
  /** the deadline the applicant was given, if any */
  deadline?: string;
  /** the due date of the dossier when the supplement was requested */
  dueDateBefore?: string;
  /** processing went on after the request (status 4, 6 or 9) */
  resolved: boolean;
}

/** Everything the national record of a dossier is rendered from, folded from its events in order. */
export interface DossierRecord {
  code: string;
  status: DossierStatusCode;
  submission: DossierSubmittedV1;
  receivedAt?: string;
  dueDate?: string;
  receivedBy?: string;
  /** the unit that handles the dossier now: the last one an event named */
  handlingUnit?: string;
  rejectedAt?: string;
  /** when processing ended: processed (9), or stopped by rejection (3), withdrawal (7) or stop (8) */
  processingEndedAt?: string;
  returnedAt?: string;
  returnChannel?: 1 | 2 | 3;
  /** the last reason, request or result an event gave, shown as GhiChu */
  note?: string;
  feesAtIntake: LePhi[];
  feesRequested: LePhi[];
  supplements: SupplementRequest[];
  /** ids of the events folded in, so a replayed event is recognised */
  eventIds: string[];
}

export type FoldResult =
  | { kind: 'applied'; record: DossierRecord }
  | { kind: 'duplicate' }
  /** the lifecycle does not allow it (the dossier service records and flags it): nothing goes national */
  | { kind: 'refused'; reason: string };

/**
 * One event into the record. Refuses what the dossier service's lifecycle refuses (same rule, same contracts),
 * so the national side never sees a transition the hub itself did not accept.
 */
export function foldDossierEvent(record: DossierRecord | undefined, event: DossierEvent): FoldResult {
  if (record?.eventIds.includes(event.id)) return { kind: 'duplicate' };
  if (record && record.code !== event.data.MaHoSo)
    throw new RangeError(`event ${event.id} is for ${event.data.MaHoSo}, not ${record.code}`);
  const status = event.data.TrangThaiHoSo;
  if (!record) {
    if (event.type !== 'vn.lgsp.dossier.submitted.v1')
      return { kind: 'refused', reason: 'dossier not submitted yet' };
    return { kind: 'applied', record: fromSubmission(event.id, event.data) };
  }
  if (event.type === 'vn.lgsp.dossier.submitted.v1')
    return { kind: 'refused', reason: 'dossier already submitted' };
  if (!AllowedTransitions[record.status].includes(status))
    return { kind: 'refused', reason: `transition ${record.status} -> ${status} is not allowed` };

  const next: DossierRecord = {
    ...record,
    status,
    eventIds: [...record.eventIds, event.id],
    // a supplement request is answered once processing goes on (4, 6, 9); another request, a withdrawal or a stop
    // (often for a supplement that never came) answers nothing
    supplements: SupplementAnsweredBy.includes(status)
      ? record.supplements.map((s) => (s.resolved ? s : { ...s, resolved: true }))
      : record.supplements,
  };
  switch (event.type) {
    case 'vn.lgsp.dossier.received.v1': {
      const d = event.data;
      return applied(next, {
        receivedAt: d.NgayTiepNhan,
        dueDate: d.NgayHenTra,
        receivedBy: d.CanBoTiepNhan ?? next.receivedBy,
        handlingUnit: d.DonViXuLy ?? next.handlingUnit,
      });
    }
    case 'vn.lgsp.dossier.rejected.v1':
      return applied(next, {
        rejectedAt: event.data.ThoiDiem,
        processingEndedAt: event.data.ThoiDiem,
        note: event.data.LyDo,
      });
    case 'vn.lgsp.dossier.processing-step.v1':
      return applied(next, { handlingUnit: event.data.DonViXuLy, note: event.data.NoiDungXuLy });
    case 'vn.lgsp.dossier.supplement-requested.v1': {
      const d = event.data;
      const request: SupplementRequest = {
        content: d.NoiDung,
        requestedAt: d.ThoiDiem,
        ...(d.HanBoSung ? { deadline: d.HanBoSung } : {}),
        ...(next.dueDate ? { dueDateBefore: next.dueDate } : {}),
        resolved: false,
      };
      return applied(next, { note: d.NoiDung, supplements: [...next.supplements, request] });
    }
    case 'vn.lgsp.dossier.fee-requested.v1':
      return applied(next, { feesRequested: [...next.feesRequested, ...event.data.DanhSachLePhi] });
    case 'vn.lgsp.dossier.withdrawn.v1':
      return applied(next, { processingEndedAt: event.data.ThoiDiem, note: event.data.LyDo ?? next.note });
    case 'vn.lgsp.dossier.stopped.v1':
      return applied(next, { processingEndedAt: event.data.ThoiDiem, note: event.data.LyDo });
    case 'vn.lgsp.dossier.processed.v1': {
      const d = event.data;
      return applied(next, {
        processingEndedAt: d.NgayKetThucXuLy,
        handlingUnit: d.DonViXuLy ?? next.handlingUnit,
        note: d.KetQuaXuLy ?? next.note,
      });
    }
    case 'vn.lgsp.dossier.result-returned.v1':
      return applied(next, { returnedAt: event.data.NgayTra, returnChannel: event.data.HinhThucTra });
  }
}

const SupplementAnsweredBy: readonly DossierStatusCode[] = [4, 6, 9];

function fromSubmission(eventId: string, d: DossierSubmittedV1): DossierRecord {
  return {
    code: d.MaHoSo,
    status: 1,
    submission: d,
    feesAtIntake: d.DanhSachLePhi ?? [],
    feesRequested: [],
    supplements: [],
    eventIds: [eventId],
  };
}

function applied(record: DossierRecord, changes: Partial<DossierRecord>): FoldResult {
  const merged = { ...record, ...changes };
  // an optional field the event left out must not erase what an earlier event said
  for (const key of Object.keys(changes) as (keyof DossierRecord)[])
    if (changes[key] === undefined) delete merged[key];
  return { kind: 'applied', record: merged };
}

export interface DvcqgMappingOptions {
  /** NguoiXuLy of a step whose event names no officer and no unit (the national field is required) */
  systemActor: string;
  /** a unit name for an agency code, used as DonViXuLy before any event named the handling unit */
  agencyName?: (agencyCode: string) => string | undefined;
}

const time = (iso: string | undefined): string | undefined =>
  iso === undefined ? undefined : toDvcqgTime(iso);

/** The national record (the `data` item of DongBoHoSoMC) of a folded dossier. */
export function toHoSoDongBo(record: DossierRecord, options: DvcqgMappingOptions): HoSoDongBo {
  const s = record.submission;
  const unit = record.handlingUnit ?? options.agencyName?.(s.MaCoQuan);
  return compact<HoSoDongBo>({
    MaHoSo: s.MaHoSo,
    MaTTHC: s.MaTTHC,
    TenTTHC: s.TenTTHC,
    MaLinhVuc: s.MaLinhVuc,
    TenLinhVuc: s.TenLinhVuc,
    KenhThucHien: String(s.KenhThucHien),
    ChuHoSo: s.ChuHoSo,
    // the owner is identified by a 12-digit personal identification number: always a citizen
    LoaiDoiTuong: LoaiDoiTuong.citizen,
    SoGiayToChuHoSo: s.SoDinhDanhChuHoSo,
    ThongTinKhac: s.DiaChiChuHoSo,
    Email: s.EmailChuHoSo,
    SoDienThoai: s.SoDienThoaiChuHoSo,
    TrichYeuHoSo: s.TrichYeuHoSo,
    NgayNopHoSo: toDvcqgTime(s.NgayNopHoSo),
    NgayTiepNhan: time(record.receivedAt),
    NgayHenTra: time(record.dueDate),
    TrangThaiHoSo: String(record.status),
    NgayTuChoi: time(record.rejectedAt),
    NgayKetThucXuLy: time(record.processingEndedAt),
    NgayTra: time(record.returnedAt),
    HinhThuc: record.returnChannel === 3 ? HinhThucTraKetQua.postal : HinhThucTraKetQua.direct,
    DonViXuLy: unit,
    GhiChu: record.note,
    // the dossier events carry no documents yet: the lists are sent, empty, as the national side expects them
    TaiLieuNop: [],
    DanhSachLePhi: [...record.feesAtIntake, ...record.feesRequested].map(toLePhiDongBo),
    DanhSachHoSoBoSung: record.supplements.map(toHoSoBoSung),
    DanhSachGiayToKetQua: [],
  });
}

export function toLePhiDongBo(fee: LePhi): LePhiDongBo {
  return compact<LePhiDongBo>({
    TenPhiLePhi: fee.MoTa ?? FeeKindName[fee.LoaiPhiLePhi],
    MaPhiLePhi: fee.MaPhiLePhi,
    Gia: String(fee.SoTien),
    LoaiPhiLePhi: String(fee.LoaiPhiLePhi),
  });
}

function toHoSoBoSung(s: SupplementRequest, index: number): HoSoBoSung {
  return compact<HoSoBoSung>({
    HoSoBoSungId: String(index + 1),
    NoiDungBoSung: s.content,
    NgayBoSung: toDvcqgTime(s.requestedAt),
    TrangThaiBoSung: s.resolved ? '1' : '0',
    NgayHenTraTruoc: time(s.dueDateBefore),
  });
}

const ReturnChannelName: Record<1 | 2 | 3, string> = {
  1: 'tại bộ phận một cửa',
  2: 'trực tuyến',
  3: 'qua bưu chính công ích',
};

/**
 * The processing step (the `data` item of CapNhatTienDoHoSoMC) one event adds. `record` is the record after the
 * event was folded in (for the due date, the owner's name and the handling unit).
 */
export function toTienDoHoSo(
  record: DossierRecord,
  event: DossierEvent,
  options: DvcqgMappingOptions,
): TienDoHoSo {
  const step = stepOf(record, event);
  const unit = step.unit ?? record.handlingUnit;
  return compact<TienDoHoSo>({
    MaHoSo: record.code,
    NguoiXuLy: step.actor ?? unit ?? options.agencyName?.(record.submission.MaCoQuan) ?? options.systemActor,
    ThoiDiemXuLy: toDvcqgTime(step.at),
    PhongBanXuLy: unit,
    NoiDungXuLy: step.content,
    TrangThai: String(event.data.TrangThaiHoSo),
    NgayBatDau: time(step.startedAt),
    NgayKetThucTheoQuyDinh: time(step.dueAt ?? record.dueDate),
  });
}

interface Step {
  at: string;
  content: string;
  actor?: string;
  unit?: string;
  startedAt?: string;
  dueAt?: string;
}

function stepOf(record: DossierRecord, event: DossierEvent): Step {
  switch (event.type) {
    case 'vn.lgsp.dossier.submitted.v1': {
      const d = event.data;
      // the applicant acts: no unit handles the dossier yet
      return { at: d.NgayNopHoSo, content: d.TrichYeuHoSo ?? 'Nộp hồ sơ', actor: d.ChuHoSo };
    }
    case 'vn.lgsp.dossier.received.v1': {
      const d = event.data;
      return {
        at: d.NgayTiepNhan,
        content: 'Tiếp nhận hồ sơ',
        actor: d.CanBoTiepNhan,
        unit: d.DonViXuLy,
        startedAt: d.NgayTiepNhan,
        dueAt: d.NgayHenTra,
      };
    }
    case 'vn.lgsp.dossier.rejected.v1':
      return { at: event.data.ThoiDiem, content: event.data.LyDo };
    case 'vn.lgsp.dossier.processing-step.v1': {
      const d = event.data;
      return { at: d.ThoiDiem, content: d.NoiDungXuLy, actor: d.CanBoXuLy, unit: d.DonViXuLy };
    }
    case 'vn.lgsp.dossier.supplement-requested.v1': {
      const d = event.data;
      // the step runs until the applicant's deadline, not the dossier's due date
      return { at: d.ThoiDiem, content: d.NoiDung, startedAt: d.ThoiDiem, dueAt: d.HanBoSung };
    }
    case 'vn.lgsp.dossier.fee-requested.v1': {
      const total = event.data.DanhSachLePhi.reduce((sum, fee) => sum + fee.SoTien, 0);
      return { at: event.data.ThoiDiem, content: `Yêu cầu thực hiện nghĩa vụ tài chính: ${total} đồng` };
    }
    case 'vn.lgsp.dossier.withdrawn.v1':
      return {
        at: event.data.ThoiDiem,
        content: event.data.LyDo ?? 'Công dân yêu cầu rút hồ sơ',
        actor: record.submission.ChuHoSo,
      };
    case 'vn.lgsp.dossier.stopped.v1':
      return { at: event.data.ThoiDiem, content: event.data.LyDo };
    case 'vn.lgsp.dossier.processed.v1': {
      const d = event.data;
      return { at: d.NgayKetThucXuLy, content: d.KetQuaXuLy ?? 'Đã xử lý xong', unit: d.DonViXuLy };
    }
    case 'vn.lgsp.dossier.result-returned.v1': {
      const d = event.data;
      const channel = d.HinhThucTra ? ` ${ReturnChannelName[d.HinhThucTra]}` : '';
      return { at: d.NgayTra, content: `Trả kết quả${channel}` };
    }
  }
}

/** Leaves out the fields we have no value for (the national side reads a missing field as "not given"). */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
