import type { IsUpdating } from './codes';

/**
 * The bodies of the DVCQG dossier sync calls, field names as the national portal spells them. Every scalar is a
 * string, as the public clients of the sync service send them ("1", "20260302081530", "150000"); a field we
 * have no value for is left out rather than sent empty.
 */

/** A document of the dossier (TaiLieuNop) or of its result. */
export interface TepDinhKem {
  TepDinhKemId: string;
  TenTepDinhKem: string;
  /** "True" when the document was withdrawn from the dossier */
  IsDeleted: 'True' | 'False';
  MaThanhPhanHoSo?: string;
  /** where the national side downloads the file from */
  DuongDanTaiTepTin: string;
}

/** A fee or charge of the dossier (DanhSachLePhi). */
export interface LePhiDongBo {
  TenPhiLePhi: string;
  MaPhiLePhi?: string;
  /** amount in VND */
  Gia: string;
  LoaiPhiLePhi: string;
}

/** A request to supplement the dossier (DanhSachHoSoBoSung). */
export interface HoSoBoSung {
  /** 1-based, in the order the requests were made */
  HoSoBoSungId: string;
  NoiDungBoSung: string;
  /** when the supplement was requested */
  NgayBoSung: string;
  /** "1" once the dossier went on after the request, "0" while it waits */
  TrangThaiBoSung: '0' | '1';
  /** the due date before the request */
  NgayHenTraTruoc?: string;
}

/** The national record of one dossier: the `data` item of DongBoHoSoMC. */
export interface HoSoDongBo {
  MaHoSo: string;
  MaTTHC: string;
  TenTTHC: string;
  MaLinhVuc: string;
  TenLinhVuc?: string;
  KenhThucHien: string;
  ChuHoSo: string;
  LoaiDoiTuong: string;
  SoGiayToChuHoSo: string;
  ThongTinKhac?: string;
  Email?: string;
  SoDienThoai?: string;
  TrichYeuHoSo?: string;
  NgayNopHoSo: string;
  NgayTiepNhan?: string;
  NgayHenTra?: string;
  TrangThaiHoSo: string;
  NgayTuChoi?: string;
  NgayKetThucXuLy?: string;
  NgayTra?: string;
  HinhThuc: string;
  DonViXuLy?: string;
  GhiChu?: string;
  TaiLieuNop: TepDinhKem[];
  DanhSachLePhi: LePhiDongBo[];
  DanhSachHoSoBoSung: HoSoBoSung[];
  DanhSachGiayToKetQua: TepDinhKem[];
}

/** One step of the processing history: the `data` item of CapNhatTienDoHoSoMC. */
export interface TienDoHoSo {
  MaHoSo: string;
  NguoiXuLy: string;
  ChucDanh?: string;
  ThoiDiemXuLy: string;
  PhongBanXuLy?: string;
  NoiDungXuLy: string;
  TrangThai: string;
  NgayBatDau?: string;
  NgayKetThucTheoQuyDinh?: string;
}

export interface DongBoHoSoMCBody {
  service: 'DongBoHoSoMC';
  isUpdating: (typeof IsUpdating)[keyof typeof IsUpdating];
  data: [HoSoDongBo];
}

export interface CapNhatTienDoHoSoMCBody {
  service: 'CapNhatTienDoHoSoMC';
  data: [TienDoHoSo];
}

/** What the bridge asks the national side to do; the adapter adds the session and the agency code. */
export type DvcqgSyncBody = DongBoHoSoMCBody | CapNhatTienDoHoSoMCBody;

/** The body on the wire: the call plus `session` (from the login call) and `madonvi` (the syncing agency). */
export type DvcqgWireBody<B extends DvcqgSyncBody = DvcqgSyncBody> = B & { session: string; madonvi: string };

export function withSession<B extends DvcqgSyncBody>(
  body: B,
  session: string,
  madonvi: string,
): DvcqgWireBody<B> {
  return { session, madonvi, ...body };
}

/** The login call: account of the provincial system, answered with a session. */
export interface DvcqgLoginBody {
  username: string;
  password: string;
}

/** The national side's answer to every call; error_code 0 ("0" or "00" on the wire) is success. */
export interface DvcqgAnswer {
  error_code?: string | number;
  message?: string;
  session?: string;
  [field: string]: unknown;
}

/** The lookup call (TraCuuHoSo): one dossier by its code. */
export interface TraCuuHoSoBody {
  service: 'TraCuuHoSo';
  MaHoSo: string;
}

/**
 * The lookup's answer: `data` holds the national record with its processing history (`DanhSachTienDo`, in the
 * order received) when the dossier exists, and is empty when it does not. Assumption: the public clients read
 * only whether a record exists; the shape of the history is ours (the simulator's), named here once.
 */
export interface TraCuuHoSoAnswer extends DvcqgAnswer {
  data?: (HoSoDongBo & { DanhSachTienDo?: TienDoHoSo[] })[];
}
