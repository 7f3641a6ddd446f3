import type { DossierSubmittedV1 } from '@lgsp/contracts';
import type { DossierEvent, DvcqgMappingOptions } from './mapping';

/** Events of one dossier for the mapping and plan specs (times in UTC+7 as an agency sends them). */
export const code = '000.00.01.H22-260302-0001';

export const submittedData: DossierSubmittedV1 = {
  MaHoSo: code,
  TrangThaiHoSo: 1,
  MaTTHC: '1.001234',
  TenTTHC: 'Đăng ký khai sinh',
  MaLinhVuc: 'HT',
  TenLinhVuc: 'Hộ tịch',
  MaCoQuan: '000.00.01.H22',
  KenhThucHien: 2,
  ChuHoSo: 'Nguyễn Văn An',
  SoDinhDanhChuHoSo: '001203004567',
  SoDienThoaiChuHoSo: '0912345678',
  EmailChuHoSo: 'an@example.vn',
  DiaChiChuHoSo: 'Số 1 Tràng Tiền, Hoàn Kiếm',
  TrichYeuHoSo: 'Đăng ký khai sinh cho con',
  NgayNopHoSo: '2026-03-02T08:15:30+07:00',
  DanhSachLePhi: [{ LoaiPhiLePhi: 2, MaPhiLePhi: 'LP01', SoTien: 8000, MoTa: 'Lệ phí đăng ký khai sinh' }],
};

export const ev = {
  submitted: (data: Partial<DossierSubmittedV1> = {}): DossierEvent => ({
    id: 'evt-1',
    type: 'vn.lgsp.dossier.submitted.v1',
    data: { ...submittedData, ...data },
  }),
  received: (id = 'evt-2'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.received.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 2,
      NgayTiepNhan: '2026-03-02T09:00:00+07:00',
      NgayHenTra: '2026-03-06T17:00:00+07:00',
      DonViXuLy: 'UBND phường Tràng Tiền',
      CanBoTiepNhan: 'Trần Thị Bình',
    },
  }),
  step: (id = 'evt-3', content = 'Thẩm định hồ sơ'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.processing-step.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 4,
      ThoiDiem: '2026-03-03T02:30:00Z',
      DonViXuLy: 'Bộ phận tư pháp - hộ tịch',
      NoiDungXuLy: content,
      CanBoXuLy: 'Lê Văn Cường',
    },
  }),
  supplement: (id = 'evt-4'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.supplement-requested.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 5,
      ThoiDiem: '2026-03-03T10:00:00+07:00',
      NoiDung: 'Bổ sung giấy chứng sinh',
      HanBoSung: '2026-03-10T17:00:00+07:00',
    },
  }),
  fee: (id = 'evt-5'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.fee-requested.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 6,
      ThoiDiem: '2026-03-04T08:00:00+07:00',
      DanhSachLePhi: [
        { LoaiPhiLePhi: 1, SoTien: 20000 },
        { LoaiPhiLePhi: 2, MaPhiLePhi: 'LP02', SoTien: 5000, MoTa: 'Lệ phí cấp bản sao' },
      ],
    },
  }),
  processed: (id = 'evt-6'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.processed.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 9,
      NgayKetThucXuLy: '2026-03-05T16:00:00+07:00',
      KetQuaXuLy: 'Cấp giấy khai sinh số 123/2026',
      DonViXuLy: 'UBND phường Tràng Tiền',
    },
  }),
  returned: (id = 'evt-7', HinhThucTra?: 1 | 2 | 3): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.result-returned.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 10,
      NgayTra: '2026-03-06T09:30:00+07:00',
      ...(HinhThucTra ? { HinhThucTra } : {}),
    },
  }),
  rejected: (id = 'evt-8'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.rejected.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 3,
      ThoiDiem: '2026-03-02T09:05:00+07:00',
      LyDo: 'Hồ sơ không đúng thẩm quyền',
    },
  }),
  withdrawn: (id = 'evt-9', LyDo?: string): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.withdrawn.v1',
    data: {
      MaHoSo: code,
      TrangThaiHoSo: 7,
      ThoiDiem: '2026-03-03T11:00:00+07:00',
      ...(LyDo ? { LyDo } : {}),
    },
  }),
  stopped: (id = 'evt-10'): DossierEvent => ({
    id,
    type: 'vn.lgsp.dossier.stopped.v1',
    data: { MaHoSo: code, TrangThaiHoSo: 8, ThoiDiem: '2026-03-04T15:00:00+07:00', LyDo: 'Quá hạn bổ sung' },
  }),
};

export const options: DvcqgMappingOptions = {
  systemActor: 'Hệ thống một cửa điện tử tỉnh',
  agencyName: (agency) => (agency === '000.00.01.H22' ? 'UBND tỉnh' : undefined),
};
