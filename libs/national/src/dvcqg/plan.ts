import { createHash } from 'node:crypto';
import { idempotencyKey, type CallKind, type IdempotencyKey } from '../delivery/idempotency';
import { DvcqgServices, IsUpdating } from './codes';
import {
  foldDossierEvent,
  toHoSoDongBo,
  toTienDoHoSo,
  type DossierEvent,
  type DossierRecord,
  type DvcqgMappingOptions,
} from './mapping';
import type { CapNhatTienDoHoSoMCBody, DongBoHoSoMCBody, DvcqgSyncBody, TienDoHoSo } from './payloads';

/** One call to the national side, ready to send, with the key every retry of it repeats. */
export interface NationalCall {
  kind: CallKind;
  dossierCode: string;
  eventId: string;
  idempotency: IdempotencyKey;
  body: DvcqgSyncBody;
  /** progress calls: the step's natural fingerprint, to recognise it in the national history */
  fingerprint?: string;
}

export type DeliveryPlan =
  /** deliver `calls` in order, after every earlier call of the dossier; keep `record` for the next event */
  | { kind: 'deliver'; record: DossierRecord; calls: NationalCall[] }
  /** the event was planned before (a replay): nothing new to send */
  | { kind: 'duplicate' }
  /** the lifecycle refuses the event, as the dossier service does: nothing goes national */
  | { kind: 'refused'; reason: string };

/**
 * The national calls one dossier event causes: the whole national record (created by the submission, replaced
 * after every later event) and then the processing step the event adds. The record goes first so that a step
 * never reaches the national side before the dossier it belongs to.
 */
export function planDelivery(
  record: DossierRecord | undefined,
  event: DossierEvent,
  options: DvcqgMappingOptions,
): DeliveryPlan {
  const folded = foldDossierEvent(record, event);
  if (folded.kind !== 'applied') return folded;
  const next = folded.record;
  const code = next.code;
  const creates = event.type === 'vn.lgsp.dossier.submitted.v1';
  const recordBody: DongBoHoSoMCBody = {
    service: DvcqgServices.syncDossier,
    isUpdating: creates ? IsUpdating.create : IsUpdating.replace,
    data: [toHoSoDongBo(next, options)],
  };
  const step = toTienDoHoSo(next, event, options);
  const progressBody: CapNhatTienDoHoSoMCBody = { service: DvcqgServices.updateProgress, data: [step] };
  return {
    kind: 'deliver',
    record: next,
    calls: [
      {
        kind: creates ? 'create' : 'replace',
        dossierCode: code,
        eventId: event.id,
        idempotency: creates ? idempotencyKey('create', code) : idempotencyKey('replace', code, event.id),
        body: recordBody,
      },
      {
        kind: 'progress',
        dossierCode: code,
        eventId: event.id,
        idempotency: idempotencyKey('progress', code, event.id),
        body: progressBody,
        fingerprint: progressFingerprint(step),
      },
    ],
  };
}

/**
 * A step as the national side keeps it: status, time to the second, who and what. Two steps alike in all four
 * are the same step for anyone reading the national history, so finding one there means the step arrived.
 */
export function progressFingerprint(
  step: Pick<TienDoHoSo, 'TrangThai' | 'ThoiDiemXuLy' | 'NguoiXuLy' | 'NoiDungXuLy'>,
): string {
  const content = createHash('sha256')
    // JSON keeps the two apart whatever characters they hold
    .update(JSON.stringify([step.NguoiXuLy.trim(), step.NoiDungXuLy.trim()]))
    .digest('hex')
    .slice(0, 32);
  return `${String(step.TrangThai).trim()}|${step.ThoiDiemXuLy.trim()}|${content}`;
}

/** What the national side holds for a dossier (TraCuuHoSo), as the adapter reads it. */
export interface NationalDossierView {
  exists: boolean;
  progress: Pick<TienDoHoSo, 'TrangThai' | 'ThoiDiemXuLy' | 'NguoiXuLy' | 'NoiDungXuLy'>[];
}

/**
 * Before sending again a call whose previous try may have been applied (outcome "unknown"): look at the national
 * state and decide. A create whose record now exists is sent as a replace (same content, no second record); a
 * progress step already in the national history is not sent again (no second step); a replace is idempotent and
 * goes again as it is.
 */
export function reconcile(
  call: NationalCall,
  view: NationalDossierView,
): { kind: 'send'; call: NationalCall } | { kind: 'skip'; reason: string } {
  switch (call.kind) {
    case 'create':
      if (!view.exists) return { kind: 'send', call };
      return {
        kind: 'send',
        call: { ...call, body: { ...(call.body as DongBoHoSoMCBody), isUpdating: IsUpdating.replace } },
      };
    case 'replace':
      return { kind: 'send', call };
    case 'progress': {
      const seen = view.progress.some((s) => progressFingerprint(s) === call.fingerprint);
      return seen
        ? { kind: 'skip', reason: 'the step is already in the national history' }
        : { kind: 'send', call };
    }
  }
}
