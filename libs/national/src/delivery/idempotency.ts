import { createHash } from 'node:crypto';

/**
 * Idempotency keys of national calls. A retry after a lost response must never create a second national record
 * or a second progress step, so every call carries a key that a retry repeats exactly:
 *
 * - creating the national record: one per dossier, whatever event created it (`create/<MaHoSo>`): there is one
 *   national record per dossier, so two creates for one dossier are one operation;
 * - replacing the record after an event: `replace/<MaHoSo>/<event id>` (a replace is idempotent anyway; the key
 *   lets a receiver that keeps keys answer the replay without work);
 * - a progress step: `progress/<MaHoSo>/<event id>`: one step per event, and a replayed event (same id) is the
 *   same step.
 *
 * The event id is the CloudEvents id, unique per source, and the dossier code is in every scope, so keys of two
 * dossiers never collide. The key sent (the `Idempotency-Key` header) is a hash of the scope: fixed length and
 * header-safe whatever characters an event id holds.
 */
export type CallKind = 'create' | 'replace' | 'progress';

export interface IdempotencyKey {
  /** sent as the Idempotency-Key header and kept by the delivery ledger */
  key: string;
  /** readable form, for logs and the delivery state */
  scope: string;
}

export const IdempotencyKeyHeader = 'Idempotency-Key';

export function idempotencyKey(kind: 'create', dossierCode: string): IdempotencyKey;
export function idempotencyKey(
  kind: 'replace' | 'progress',
  dossierCode: string,
  eventId: string,
): IdempotencyKey;
export function idempotencyKey(kind: CallKind, dossierCode: string, eventId?: string): IdempotencyKey {
  if (!dossierCode) throw new RangeError('idempotencyKey: a dossier code is required');
  if (kind !== 'create' && !eventId) throw new RangeError(`idempotencyKey: a ${kind} key needs the event id`);
  // the parts are length-prefixed, so no choice of characters in one part can imitate another split
  const parts = kind === 'create' ? [dossierCode] : [dossierCode, eventId as string];
  const scope = `${kind}/${parts.join('/')}`;
  const digest = createHash('sha256')
    .update(['lgsp-national-v1', kind, ...parts].map((p) => `${Buffer.byteLength(p)}:${p}`).join('|'))
    .digest('base64url');
  return { key: `lgsp1-${digest}`, scope };
}
