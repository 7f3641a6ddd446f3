/* eslint-disable */
// Generated from schemas/ by `npm run schemas:types`. Do not edit; CI checks that it is current.

/**
 * @maxItems 50
 */
export type DanhSachLePhi = LePhi[]

/**
 * CloudEvents type vn.lgsp.dossier.fee-requested.v1; sets TrangThaiHoSo 6 (Yêu cầu thực hiện nghĩa vụ tài chính (fees requested)).
 */
export interface DossierFeeRequestedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 6: Yêu cầu thực hiện nghĩa vụ tài chính (fees requested)
 */
TrangThaiHoSo: 6
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
ThoiDiem: string
DanhSachLePhi: DanhSachLePhi
}
export interface LePhi {
/**
 * 1 fee (phí), 2 charge (lệ phí)
 */
LoaiPhiLePhi: (1 | 2)
MaPhiLePhi?: string
/**
 * Amount in VND
 */
SoTien: number
MoTa?: string
}
/**
 * CloudEvents type vn.lgsp.dossier.processed.v1; sets TrangThaiHoSo 9 (Đã xử lý xong (processing finished)).
 */
export interface DossierProcessedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 9: Đã xử lý xong (processing finished)
 */
TrangThaiHoSo: 9
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
NgayKetThucXuLy: string
KetQuaXuLy?: string
DonViXuLy?: string
}
/**
 * CloudEvents type vn.lgsp.dossier.processing-step.v1; sets TrangThaiHoSo 4 (Đang xử lý (in processing)).
 */
export interface DossierProcessingStepV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 4: Đang xử lý (in processing)
 */
TrangThaiHoSo: 4
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
ThoiDiem: string
DonViXuLy: string
NoiDungXuLy: string
CanBoXuLy?: string
}
/**
 * CloudEvents type vn.lgsp.dossier.received.v1; sets TrangThaiHoSo 2 (Được tiếp nhận (received and accepted)).
 */
export interface DossierReceivedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 2: Được tiếp nhận (received and accepted)
 */
TrangThaiHoSo: 2
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
NgayTiepNhan: string
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
NgayHenTra: string
DonViXuLy?: string
CanBoTiepNhan?: string
}
/**
 * CloudEvents type vn.lgsp.dossier.rejected.v1; sets TrangThaiHoSo 3 (Không được tiếp nhận (rejected at intake)).
 */
export interface DossierRejectedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 3: Không được tiếp nhận (rejected at intake)
 */
TrangThaiHoSo: 3
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
ThoiDiem: string
LyDo: string
}
/**
 * CloudEvents type vn.lgsp.dossier.result-returned.v1; sets TrangThaiHoSo 10 (Đã trả kết quả (result returned)).
 */
export interface DossierResultReturnedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 10: Đã trả kết quả (result returned)
 */
TrangThaiHoSo: 10
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
NgayTra: string
/**
 * 1 at the counter, 2 online, 3 by post
 */
HinhThucTra?: (1 | 2 | 3)
}
/**
 * CloudEvents type vn.lgsp.dossier.stopped.v1; sets TrangThaiHoSo 8 (Dừng xử lý (processing stopped)).
 */
export interface DossierStoppedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 8: Dừng xử lý (processing stopped)
 */
TrangThaiHoSo: 8
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
ThoiDiem: string
LyDo: string
}
/**
 * CloudEvents type vn.lgsp.dossier.submitted.v1; sets TrangThaiHoSo 1 (Mới đăng ký (newly registered)).
 */
export interface DossierSubmittedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 1: Mới đăng ký (newly registered)
 */
TrangThaiHoSo: 1
/**
 * Administrative procedure code from the national procedure database, e.g. 1.001234
 */
MaTTHC: string
TenTTHC: string
MaLinhVuc: string
TenLinhVuc?: string
/**
 * Agency code in the national format, e.g. 000.00.01.H22
 */
MaCoQuan: string
/**
 * Channel: 1 direct (trực tiếp), 2 online (trực tuyến), 3 public postal service (bưu chính công ích)
 */
KenhThucHien: (1 | 2 | 3)
ChuHoSo: string
/**
 * 12-digit personal identification number
 */
SoDinhDanhChuHoSo: string
SoDienThoaiChuHoSo?: string
EmailChuHoSo?: string
DiaChiChuHoSo?: string
TrichYeuHoSo?: string
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
NgayNopHoSo: string
DanhSachLePhi?: DanhSachLePhi
}
/**
 * CloudEvents type vn.lgsp.dossier.supplement-requested.v1; sets TrangThaiHoSo 5 (Yêu cầu bổ sung giấy tờ (supplement requested)).
 */
export interface DossierSupplementRequestedV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 5: Yêu cầu bổ sung giấy tờ (supplement requested)
 */
TrangThaiHoSo: 5
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
ThoiDiem: string
NoiDung: string
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
HanBoSung?: string
}
/**
 * CloudEvents type vn.lgsp.dossier.withdrawn.v1; sets TrangThaiHoSo 7 (Công dân yêu cầu rút hồ sơ (withdrawn by the applicant)).
 */
export interface DossierWithdrawnV1 {
/**
 * Dossier code: <agency-code>-YYMMDD-NNNN
 */
MaHoSo: string
/**
 * DVCQG dossier status 7: Công dân yêu cầu rút hồ sơ (withdrawn by the applicant)
 */
TrangThaiHoSo: 7
/**
 * Instant with a time zone (RFC 3339); the bridge converts it to the DVCQG yyyyMMddHHmmss form
 */
ThoiDiem: string
LyDo?: string
}

/** Every event type in the catalog and the shape of its data. */
export interface EventDataMap {
  'vn.lgsp.dossier.fee-requested.v1': DossierFeeRequestedV1;
  'vn.lgsp.dossier.processed.v1': DossierProcessedV1;
  'vn.lgsp.dossier.processing-step.v1': DossierProcessingStepV1;
  'vn.lgsp.dossier.received.v1': DossierReceivedV1;
  'vn.lgsp.dossier.rejected.v1': DossierRejectedV1;
  'vn.lgsp.dossier.result-returned.v1': DossierResultReturnedV1;
  'vn.lgsp.dossier.stopped.v1': DossierStoppedV1;
  'vn.lgsp.dossier.submitted.v1': DossierSubmittedV1;
  'vn.lgsp.dossier.supplement-requested.v1': DossierSupplementRequestedV1;
  'vn.lgsp.dossier.withdrawn.v1': DossierWithdrawnV1;
}

export type EventType = keyof EventDataMap;
