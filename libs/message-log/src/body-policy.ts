import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { canonical } from '@lgsp/audit';
import type { MessageLogSettings } from './settings';

/** How a body is kept: the signed entry holds its digest, the bodies table what the policy allows. */
export type BodyKept = 'clear' | 'sealed' | 'digest';

/** What the signed entry says of one body. */
export interface BodyDigest {
  /** SHA-256 (hex) of the body's canonical JSON: proves a body shown later is the one exchanged */
  sha256: string;
  kept: BodyKept;
}

/** A health body sealed with AES-256-GCM, bound to its entry and side (the additional data). */
export interface SealedBody {
  iv: string;
  tag: string;
  data: string;
}

/** What the bodies table holds of one body. */
export type StoredBody = { clear: unknown } | { sealed: SealedBody };

export type BodySide = 'request' | 'response';

/** The text a body's digest and seal are over: its canonical JSON (sorted keys), whatever store it went through. */
export const bodyText = (body: unknown): string => canonical(body);

export const bodyDigest = (body: unknown): string =>
  createHash('sha256').update(bodyText(body)).digest('hex');

const additionalData = (entryId: string, side: BodySide) =>
  Buffer.from(`lgsp.message-log.${entryId}.${side}`);

/**
 * Applies the body policy to one body of one exchange: the digest always; the body in clear only when
 * it is not health data and the policy keeps bodies; a health body only sealed, and only under `all`.
 */
export function keepBody(
  settings: MessageLogSettings,
  entryId: string,
  side: BodySide,
  body: unknown,
  health: boolean,
): { digest: BodyDigest; stored?: StoredBody } {
  const sha256 = bodyDigest(body);
  if (settings.bodies === 'none') return { digest: { sha256, kept: 'digest' } };
  if (!health) return { digest: { sha256, kept: 'clear' }, stored: { clear: body } };
  if (settings.bodies === 'non-health' || !settings.bodyKey) return { digest: { sha256, kept: 'digest' } };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', settings.bodyKey, iv);
  cipher.setAAD(additionalData(entryId, side));
  const data = Buffer.concat([cipher.update(bodyText(body), 'utf8'), cipher.final()]);
  return {
    digest: { sha256, kept: 'sealed' },
    stored: {
      sealed: {
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
      },
    },
  };
}

/** The body of a sealed health body, with the key it was sealed with; throws when key, entry or data differ. */
export function openSealedBody(key: Buffer, entryId: string, side: BodySide, sealed: SealedBody): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(additionalData(entryId, side));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  return JSON.parse(text.toString('utf8')) as unknown;
}
