/**
 * Realistic sample events of the province (dossiers, parcels, encounters of the same citizens): what `npm run
 * demo` publishes and what tests and benchmarks send.
 */

import { randomUUID } from 'node:crypto';
import { ApiKeyRegistry, hashApiKey } from '@lgsp/auth';
import type { EventDataMap } from '@lgsp/contracts';
import { toKafkaRecord, type CloudEvent, type ConsumedRecord } from '@lgsp/kafka';

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Minh', 'Thanh', 'Ngọc', 'Đức', 'Thu'];
const GIVEN = [
  'An',
  'Bình',
  'Chi',
  'Dũng',
  'Giang',
  'Hà',
  'Hùng',
  'Lan',
  'Long',
  'Mai',
  'Nam',
  'Phương',
  'Quân',
  'Thảo',
  'Trang',
  'Tuấn',
];

/** Procedures of the national procedure database, as a one-stop-shop would see them. */
export const SAMPLE_PROCEDURES = [
  { MaTTHC: '1.001193', TenTTHC: 'Đăng ký khai sinh', MaLinhVuc: 'HT', TenLinhVuc: 'Hộ tịch' },
  { MaTTHC: '1.000656', TenTTHC: 'Đăng ký kết hôn', MaLinhVuc: 'HT', TenLinhVuc: 'Hộ tịch' },
  {
    MaTTHC: '1.001612',
    TenTTHC: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    MaLinhVuc: 'XD',
    TenLinhVuc: 'Xây dựng',
  },
  {
    MaTTHC: '1.004227',
    TenTTHC: 'Đăng ký biến động quyền sử dụng đất',
    MaLinhVuc: 'DD',
    TenLinhVuc: 'Đất đai',
  },
  {
    MaTTHC: '2.000305',
    TenTTHC: 'Cấp phiếu lý lịch tư pháp',
    MaLinhVuc: 'LLTP',
    TenLinhVuc: 'Lý lịch tư pháp',
  },
] as const;

export const SAMPLE_AGENCIES = ['000.00.01.H22', '000.00.02.H22'] as const;

function pick<T>(list: readonly T[], n: number): T {
  return list[Math.abs(n) % list.length];
}

/** A deterministic-looking 12-digit personal id: province code, gender/century digit, birth year, serial. */
export function samplePersonalId(n: number): string {
  return `0220${String(90 + (n % 10)).padStart(2, '0')}${String(n % 1_000_000).padStart(6, '0')}`;
}

export function sampleName(n: number): string {
  return `${pick(FAMILY, n)} ${pick(MIDDLE, n >> 3)} ${pick(GIVEN, n >> 5)}`;
}

/** A dossier code in the national format: <agency-code>-YYMMDD-NNNN. */
export function sampleDossierCode(agency: string, day: Date, serial: number): string {
  const yymmdd = day.toISOString().slice(2, 10).replaceAll('-', '');
  return `${agency}-${yymmdd}-${String(serial % 10_000).padStart(4, '0')}`;
}

export function submitted(
  code: string,
  n: number,
  at = new Date(),
  agency: string = SAMPLE_AGENCIES[0],
): EventDataMap['vn.lgsp.dossier.submitted.v1'] {
  const p = pick(SAMPLE_PROCEDURES, n);
  return {
    MaHoSo: code,
    TrangThaiHoSo: 1,
    MaTTHC: p.MaTTHC,
    TenTTHC: p.TenTTHC,
    MaLinhVuc: p.MaLinhVuc,
    TenLinhVuc: p.TenLinhVuc,
    MaCoQuan: agency,
    KenhThucHien: ((n % 3) + 1) as 1 | 2 | 3,
    ChuHoSo: sampleName(n),
    SoDinhDanhChuHoSo: samplePersonalId(n),
    NgayNopHoSo: at.toISOString(),
    DanhSachLePhi: [{ LoaiPhiLePhi: 2, SoTien: 8000, MoTa: 'Lệ phí' }],
  };
}

export function event<T>(type: string, data: T, source = `/${SAMPLE_AGENCIES[0]}/igate`): CloudEvent<T> {
  return { specversion: '1.0', id: randomUUID(), source, type, time: new Date().toISOString(), data };
}

/** A unique dossier code for a test run (serial from a counter, date from today). */
let serial = Math.floor(Math.random() * 9000);
export function uniqueDossierCode(agency: string = SAMPLE_AGENCIES[0]): string {
  serial = (serial + 1) % 10_000;
  const day = new Date(
    Date.UTC(
      2020 + Math.floor(Math.random() * 6),
      Math.floor(Math.random() * 12),
      1 + Math.floor(Math.random() * 28),
    ),
  );
  return sampleDossierCode(agency, day, serial);
}

/**
 * A dossier's whole life as Kafka records (CloudEvents binding, keyed by MaHoSo): submitted,
 * received, one processing step, processed, result returned. For tests and benchmarks that need
 * many realistic events without going through HTTP.
 */
export function dossierLifecycle(
  code: string,
  n: number,
  start = new Date('2026-11-02T01:00:00Z'),
): CloudEvent[] {
  const at = (hours: number) => new Date(start.getTime() + hours * 3_600_000).toISOString();
  // The agency that received the dossier (its code's prefix) owns it and publishes its events.
  const agency = code.split('-')[0];
  const source = `/${agency}/igate`;
  const data = submitted(code, n, start, agency);
  const make = (type: string, payload: object): CloudEvent => ({
    ...event(type, payload, source),
    time: start.toISOString(),
  });
  return [
    make('vn.lgsp.dossier.submitted.v1', data),
    make('vn.lgsp.dossier.received.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 2,
      NgayTiepNhan: at(2),
      NgayHenTra: at(24 * 5),
    }),
    make('vn.lgsp.dossier.processing-step.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 4,
      ThoiDiem: at(26),
      DonViXuLy: 'Phòng Tư pháp',
      NoiDungXuLy: 'Thẩm định hồ sơ',
    }),
    make('vn.lgsp.dossier.processed.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 9,
      NgayKetThucXuLy: at(24 * (2 + (n % 6))),
    }),
    make('vn.lgsp.dossier.result-returned.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 10,
      NgayTra: at(24 * (3 + (n % 6))),
    }),
  ];
}

/** Commune codes of the sample province (5 digits, national list form). */
export const SAMPLE_COMMUNES = ['09400', '09403', '09406', '09409'] as const;

/** A parcel first registered to one person (share 1). */
export function parcelRegistered(
  holderPersonalId: string,
  holderName: string,
  n: number,
): EventDataMap['vn.lgsp.land.parcel-registered.v1'] {
  const commune = pick(SAMPLE_COMMUNES, n);
  const sheet = 1 + (n % 40);
  const parcel = 1 + ((n * 37) % 9000);
  return {
    MaThuaDat: `${commune}-${sheet}-${parcel}`,
    MaXa: commune,
    SoHieuToBanDo: sheet,
    SoThuTuThua: parcel,
    ThoiDiem: '2026-11-18T09:30:00+07:00',
    DienTich: 120.5 + (n % 50),
    DienTichPhapLy: 120 + (n % 50),
    MucDichSuDung: pick(['ONT', 'CLN', 'LUC'], n),
    DiaChi: `Thửa ${parcel}, tờ ${sheet}, xã ${commune}`,
    NguoiSuDung: [{ LoaiDoiTuong: 1, MaDinhDanh: holderPersonalId, HoTen: holderName, TyLe: 1 }],
  };
}

/** An inpatient episode at the provincial hospital (facility 22001), claim table 1 fields. */
export function encounterRecorded(
  personalId: string,
  name: string,
  n: number,
): EventDataMap['vn.lgsp.health.encounter-recorded.v1'] {
  return {
    MA_LK: `22001-2611-${String(n).padStart(6, '0')}`,
    MA_BN: `BN${String(n).padStart(8, '0')}`,
    HO_TEN: name,
    SO_CCCD: personalId,
    NGAY_SINH: '199003150000',
    GIOI_TINH: ((n % 2) + 1) as 1 | 2,
    MA_THE_BHYT: `GD4${personalId.slice(0, 2)}${personalId.slice(2, 12)}`,
    MA_CSKCB: '22001',
    NGAY_VAO: '202611150830',
    NGAY_RA: '202611191000',
    MA_BENH_CHINH: 'J18.9',
    MA_BENH_KT: ['I10', 'E11.9'],
    KET_QUA_DTRI: 1,
    MA_LOAI_RV: 1,
    T_TONGCHI_BV: 8_450_000,
    T_BHTT: 6_760_000,
    T_BNCCT: 1_690_000,
    T_BNTT: 0,
  };
}

/** The callers of a hub with one publisher, `agency`, granted `types` from its own sources (/<agency>/*). */
export function publisherRegistry(agency: string, types: string[]): ApiKeyRegistry {
  return new ApiKeyRegistry([
    {
      id: agency,
      name: `publisher ${agency}`,
      role: 'publisher',
      keySha256: hashApiKey(`key-${agency}`),
      types,
      sources: [`/${agency}/*`],
    },
  ]);
}

/** An event as the consumer of a topic reads it (CloudEvents Kafka binding), at this place of the topic. */
export function consumed(event: CloudEvent, offset: number, partition = 0): ConsumedRecord {
  const { key, value, headers } = toKafkaRecord(event, 'k');
  return {
    topic: 'lgsp.test.events',
    partition,
    offset: String(offset),
    key,
    value,
    headers,
    timestamp: '0',
  };
}
