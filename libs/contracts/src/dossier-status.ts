/** TrangThaiHoSo of the DVCQG dossier sync, with its meaning and the public GraphQL name. */
export const DossierStatuses = {
  1: { name: 'SUBMITTED', vi: 'Mới đăng ký' },
  2: { name: 'RECEIVED', vi: 'Được tiếp nhận' },
  3: { name: 'REJECTED', vi: 'Không được tiếp nhận' },
  4: { name: 'PROCESSING', vi: 'Đang xử lý' },
  5: { name: 'SUPPLEMENT_REQUESTED', vi: 'Yêu cầu bổ sung giấy tờ' },
  6: { name: 'FEE_REQUESTED', vi: 'Yêu cầu thực hiện nghĩa vụ tài chính' },
  7: { name: 'WITHDRAWN', vi: 'Công dân yêu cầu rút hồ sơ' },
  8: { name: 'STOPPED', vi: 'Dừng xử lý' },
  9: { name: 'PROCESSED', vi: 'Đã xử lý xong' },
  10: { name: 'RESULT_RETURNED', vi: 'Đã trả kết quả' },
} as const;

export type DossierStatusCode = keyof typeof DossierStatuses;

/**
 * Which status may follow which. A dossier can be withdrawn or stopped while it is open; 3, 7, 8 and 10
 * are final. Processing steps may repeat, and a supplement or a fee request returns it to processing.
 */
export const AllowedTransitions: Record<DossierStatusCode, readonly DossierStatusCode[]> = {
  1: [2, 3, 7],
  2: [4, 5, 6, 7, 8, 9],
  3: [],
  4: [4, 5, 6, 7, 8, 9],
  5: [4, 5, 6, 7, 8, 9],
  6: [4, 5, 6, 7, 8, 9],
  7: [],
  8: [],
  9: [10],
  10: [],
};

/** Statuses in which the dossier is resolved (no further work by the agency). */
export const ResolvedStatuses: readonly DossierStatusCode[] = [9, 10];

/**
 * Statuses in which the agency still owes work: neither resolved nor final (rejected, withdrawn,
 * stopped). Only an open dossier can be overdue.
 */
export const OpenStatuses: readonly DossierStatusCode[] = [1, 2, 4, 5, 6];

export function isOpenStatus(status: DossierStatusCode): boolean {
  return OpenStatuses.includes(status);
}
