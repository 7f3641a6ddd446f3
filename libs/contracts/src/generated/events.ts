/* eslint-disable */
// Generated from schemas/ by `npm run schemas:types`. Do not edit; CI checks that it is current.

/**
 * @maxItems 50
 */
export type DanhSachLePhi = LePhi[]
/**
 * @minItems 1
 * @maxItems 50
 */
export type DanhSachNguoiSuDung = [NguoiSuDung, ...(NguoiSuDung)[]]

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
/**
 * CloudEvents type vn.lgsp.health.claim-settled.v1: social insurance (BHXH) settles the claim of an encounter.
 */
export interface HealthClaimSettledV1 {
/**
 * Link key of one treatment episode's claim records; the Kafka key of encounter and claim events
 */
MA_LK: string
/**
 * Facility code (5 characters)
 */
MA_CSKCB: string
NGAY_THANH_TOAN: string
/**
 * 1 accepted in full, 2 accepted in part, 3 refused
 */
KET_QUA_GIAM_DINH: (1 | 2 | 3)
/**
 * Amount insurance pays after review
 */
T_BHTT: number
/**
 * Amount refused
 */
T_TUCHOI?: number
LY_DO?: string
}
/**
 * CloudEvents type vn.lgsp.health.encounter-recorded.v1: the summary record (table 1) of one treatment episode under QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT.
 */
export interface HealthEncounterRecordedV1 {
/**
 * Link key of one treatment episode's claim records; the Kafka key of encounter and claim events
 */
MA_LK: string
/**
 * Patient id at the facility
 */
MA_BN: string
HO_TEN: string
/**
 * 12-digit personal identification number
 */
SO_CCCD: string
/**
 * Time in the claim tables' form yyyyMMddHHmm, Vietnam time (UTC+07:00)
 */
NGAY_SINH: string
/**
 * 1 = male, 2 = female, 3 = not determined
 */
GIOI_TINH: (1 | 2 | 3)
/**
 * Health-insurance card number (15 characters: beneficiary group, benefit level, province, serial)
 */
MA_THE_BHYT?: string
/**
 * Facility code (5 characters)
 */
MA_CSKCB: string
/**
 * Time in the claim tables' form yyyyMMddHHmm, Vietnam time (UTC+07:00)
 */
NGAY_VAO: string
/**
 * Time in the claim tables' form yyyyMMddHHmm, Vietnam time (UTC+07:00)
 */
NGAY_RA?: string
/**
 * ICD-10 code as in the Ministry of Health's list, e.g. J18.9
 */
MA_BENH_CHINH: string
/**
 * Secondary diagnoses (ICD-10), at most 12
 * 
 * @maxItems 12
 * 
 * Items: ICD-10 code as in the Ministry of Health's list, e.g. J18.9
 */
MA_BENH_KT?: []|[string]|[string, string]|[string, string, string]|[string, string, string, string]|[string, string, string, string, string]|[string, string, string, string, string, string]|[string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string]
/**
 * Treatment result: 1 cured, 2 improved, 3 unchanged, 4 worse, 5 died, 6 not determined, 7 discharged before death
 */
KET_QUA_DTRI?: (1 | 2 | 3 | 4 | 5 | 6 | 7)
/**
 * Kind of discharge: 1 discharged, 2 transferred, 3 left without leave, 4 left at own request, 5 other
 */
MA_LOAI_RV?: (1 | 2 | 3 | 4 | 5)
/**
 * Total cost at the facility
 */
T_TONGCHI_BV: number
/**
 * Paid by health insurance
 */
T_BHTT?: number
/**
 * Patient co-payment
 */
T_BNCCT?: number
/**
 * Paid by the patient outside insurance
 */
T_BNTT?: number
}
/**
 * CloudEvents type vn.lgsp.health.vaccination-recorded.v1: one dose given.
 */
export interface HealthVaccinationRecordedV1 {
/**
 * Id of the dose record
 */
MA_TIEM_CHUNG: string
/**
 * 12-digit personal identification number
 */
SO_CCCD: string
HO_TEN: string
/**
 * Time in the claim tables' form yyyyMMddHHmm, Vietnam time (UTC+07:00)
 */
NGAY_SINH: string
/**
 * Facility code (5 characters)
 */
MA_CSKCB: string
MA_VAC_XIN: string
TEN_VAC_XIN: string
MUI_THU: number
NGAY_TIEM: string
}
/**
 * CloudEvents type vn.lgsp.land.certificate-issued.v1. A certificate (GCN) is issued for the parcel.
 */
export interface LandCertificateIssuedV1 {
/**
 * Parcel id: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>; the Kafka key of every land event
 */
MaThuaDat: string
/**
 * Commune code (5 digits, national administrative unit list)
 */
MaXa: string
/**
 * Cadastral map sheet number (SOHIEUTOBANDO)
 */
SoHieuToBanDo: number
/**
 * Parcel number on the sheet (SOTHUTUTHUA)
 */
SoThuTuThua: number
ThoiDiem: string
/**
 * Land-use right certificate serial (số phát hành GCN), e.g. DA 123456
 */
SoGCN: string
/**
 * Registry book entry number
 */
SoVaoSo?: string
NgayCap: string
/**
 * Issuing authority
 */
CoQuanCap: string
}
/**
 * CloudEvents type vn.lgsp.land.certificate-revoked.v1. A certificate is revoked (thu hồi GCN).
 */
export interface LandCertificateRevokedV1 {
/**
 * Parcel id: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>; the Kafka key of every land event
 */
MaThuaDat: string
/**
 * Commune code (5 digits, national administrative unit list)
 */
MaXa: string
/**
 * Cadastral map sheet number (SOHIEUTOBANDO)
 */
SoHieuToBanDo: number
/**
 * Parcel number on the sheet (SOTHUTUTHUA)
 */
SoThuTuThua: number
ThoiDiem: string
/**
 * Land-use right certificate serial (số phát hành GCN), e.g. DA 123456
 */
SoGCN: string
LyDo: string
}
/**
 * CloudEvents type vn.lgsp.land.ownership-transferred.v1. The land-use right passes to new holders (sale, gift, inheritance); NguoiSuDung replaces the holders.
 */
export interface LandOwnershipTransferredV1 {
/**
 * Parcel id: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>; the Kafka key of every land event
 */
MaThuaDat: string
/**
 * Commune code (5 digits, national administrative unit list)
 */
MaXa: string
/**
 * Cadastral map sheet number (SOHIEUTOBANDO)
 */
SoHieuToBanDo: number
/**
 * Parcel number on the sheet (SOTHUTUTHUA)
 */
SoThuTuThua: number
ThoiDiem: string
NguoiSuDung: DanhSachNguoiSuDung
/**
 * 1 = transfer (chuyển nhượng), 2 = gift (tặng cho), 3 = inheritance (thừa kế), 4 = other
 */
HinhThuc: (1 | 2 | 3 | 4)
}
/**
 * A holder of the land-use right: a person (12-digit personal id) or an organisation (its code), and its share
 */
export interface NguoiSuDung {
/**
 * 1 = person (MaDinhDanh is the 12-digit personal id), 2 = organisation (MaDinhDanh is its code)
 */
LoaiDoiTuong: (1 | 2)
MaDinhDanh: string
HoTen: string
/**
 * Share, 0 < TyLe <= 1
 */
TyLe: number
}
/**
 * CloudEvents type vn.lgsp.land.parcel-changed.v1. A change of the parcel itself: split, merge, area or land-use change (LoaiBienDong).
 */
export interface LandParcelChangedV1 {
/**
 * Parcel id: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>; the Kafka key of every land event
 */
MaThuaDat: string
/**
 * Commune code (5 digits, national administrative unit list)
 */
MaXa: string
/**
 * Cadastral map sheet number (SOHIEUTOBANDO)
 */
SoHieuToBanDo: number
/**
 * Parcel number on the sheet (SOTHUTUTHUA)
 */
SoThuTuThua: number
ThoiDiem: string
/**
 * 1 = split (tách thửa), 2 = merge (hợp thửa), 3 = area change, 4 = land-use change
 */
LoaiBienDong: (1 | 2 | 3 | 4)
/**
 * Parcels created by a split or merged into this one
 * 
 * @maxItems 100
 * 
 * Items: Parcel id: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>; the Kafka key of every land event
 */
ThuaLienQuan?: string[]
/**
 * Area in square metres
 */
DienTich?: number
/**
 * Area in square metres
 */
DienTichPhapLy?: number
/**
 * Land-use code: ONT (rural residential), ODT (urban residential), CLN (perennial crops), LUC (specialised rice), LUK (other rice), BHK (annual crops), RSX (production forest), NTS (aquaculture), SKC (production/business), TMD (commercial/services), DGT (transport), …
 */
MucDichSuDung?: string
GhiChu?: string
}
/**
 * CloudEvents type vn.lgsp.land.parcel-registered.v1. First registration of a parcel in the cadastral database, with its area, land use, address and holders.
 */
export interface LandParcelRegisteredV1 {
/**
 * Parcel id: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>; the Kafka key of every land event
 */
MaThuaDat: string
/**
 * Commune code (5 digits, national administrative unit list)
 */
MaXa: string
/**
 * Cadastral map sheet number (SOHIEUTOBANDO)
 */
SoHieuToBanDo: number
/**
 * Parcel number on the sheet (SOTHUTUTHUA)
 */
SoThuTuThua: number
ThoiDiem: string
/**
 * Area in square metres
 */
DienTich: number
/**
 * Area in square metres
 */
DienTichPhapLy?: number
/**
 * Land-use code: ONT (rural residential), ODT (urban residential), CLN (perennial crops), LUC (specialised rice), LUK (other rice), BHK (annual crops), RSX (production forest), NTS (aquaculture), SKC (production/business), TMD (commercial/services), DGT (transport), …
 */
MucDichSuDung: string
DiaChi: string
NguoiSuDung: DanhSachNguoiSuDung
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
  'vn.lgsp.health.claim-settled.v1': HealthClaimSettledV1;
  'vn.lgsp.health.encounter-recorded.v1': HealthEncounterRecordedV1;
  'vn.lgsp.health.vaccination-recorded.v1': HealthVaccinationRecordedV1;
  'vn.lgsp.land.certificate-issued.v1': LandCertificateIssuedV1;
  'vn.lgsp.land.certificate-revoked.v1': LandCertificateRevokedV1;
  'vn.lgsp.land.ownership-transferred.v1': LandOwnershipTransferredV1;
  'vn.lgsp.land.parcel-changed.v1': LandParcelChangedV1;
  'vn.lgsp.land.parcel-registered.v1': LandParcelRegisteredV1;
}

export type EventType = keyof EventDataMap;

/** The same types at run time, to tell a type of the catalog from any other string. */
export const EventTypes: readonly EventType[] = [
  'vn.lgsp.dossier.fee-requested.v1',
  'vn.lgsp.dossier.processed.v1',
  'vn.lgsp.dossier.processing-step.v1',
  'vn.lgsp.dossier.received.v1',
  'vn.lgsp.dossier.rejected.v1',
  'vn.lgsp.dossier.result-returned.v1',
  'vn.lgsp.dossier.stopped.v1',
  'vn.lgsp.dossier.submitted.v1',
  'vn.lgsp.dossier.supplement-requested.v1',
  'vn.lgsp.dossier.withdrawn.v1',
  'vn.lgsp.health.claim-settled.v1',
  'vn.lgsp.health.encounter-recorded.v1',
  'vn.lgsp.health.vaccination-recorded.v1',
  'vn.lgsp.land.certificate-issued.v1',
  'vn.lgsp.land.certificate-revoked.v1',
  'vn.lgsp.land.ownership-transferred.v1',
  'vn.lgsp.land.parcel-changed.v1',
  'vn.lgsp.land.parcel-registered.v1',
];
