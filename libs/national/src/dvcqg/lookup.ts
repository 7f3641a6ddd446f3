import type { NationalLookup } from '../adapter';
import type { CallOutcome } from '../delivery/outcome';
import type { TraCuuHoSoAnswer } from './payloads';
import type { NationalDossierView } from './plan';

/**
 * The view reconcile() needs, from a TraCuuHoSo answer (either form of the national side answers it alike);
 * undefined when the answer is not one.
 */
export function readTraCuuHoSo(
  answer: TraCuuHoSoAnswer,
  dossierCode: string,
): NationalDossierView | undefined {
  if (answer.data === undefined) return { exists: false, progress: [] };
  if (!Array.isArray(answer.data)) return undefined;
  const record = answer.data.find((r) => r?.MaHoSo === dossierCode);
  if (!record) return { exists: false, progress: [] };
  const history = Array.isArray(record.DanhSachTienDo) ? record.DanhSachTienDo : [];
  return {
    exists: true,
    progress: history.map(({ TrangThai, ThoiDiemXuLy, NguoiXuLy, NoiDungXuLy }) => ({
      TrangThai: String(TrangThai),
      ThoiDiemXuLy: String(ThoiDiemXuLy),
      NguoiXuLy: String(NguoiXuLy),
      NoiDungXuLy: String(NoiDungXuLy),
    })),
  };
}

/** A lookup's result from the classified TraCuuHoSo answer and its body. */
export function lookupResult(outcome: CallOutcome, body: unknown, dossierCode: string): NationalLookup {
  if (outcome.kind !== 'delivered') return { kind: 'failed', outcome };
  const view = readTraCuuHoSo(body as TraCuuHoSoAnswer, dossierCode);
  return view
    ? { kind: 'found', view }
    : { kind: 'failed', outcome: { kind: 'unknown', reason: 'the lookup answer could not be read' } };
}
