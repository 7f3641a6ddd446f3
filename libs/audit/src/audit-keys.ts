import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { configFile, ConfigError, int, optional, str, type Env } from '@lgsp/core';

/** Signs audit entries and anchors with one writer's Ed25519 private key. */
export interface AuditSigner {
  readonly keyId: string;
  /** base64 Ed25519 signature of the message */
  sign(message: string): string;
}

export type SignatureCheck = 'valid' | 'invalid' | 'unknown-key';

/** The published public keys (key id → Ed25519 public key) verifiers check signatures against. */
export class AuditKeyring {
  constructor(private readonly keys: ReadonlyMap<string, KeyObject>) {}

  /** `{ "keys": { "<key id>": "<SPKI PEM>" } }`; other top-level fields (a description) are ignored. */
  static fromJson(document: unknown, source = 'audit keys'): AuditKeyring {
    const keys = (document as { keys?: unknown } | null)?.keys;
    if (!keys || typeof keys !== 'object') throw new Error(`${source}: want {"keys": {"<key id>": "<PEM>"}}`);
    const map = new Map<string, KeyObject>();
    for (const [id, pem] of Object.entries(keys as Record<string, unknown>)) {
      if (typeof pem !== 'string') throw new Error(`${source}: key ${id} is not a PEM string`);
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: key ${id} is not an Ed25519 key`);
      map.set(id, key);
    }
    return new AuditKeyring(map);
  }

  static fromFile(path: string): AuditKeyring {
    return AuditKeyring.fromJson(JSON.parse(readFileSync(path, 'utf8')), path);
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** The document GET /audit/keys serves: the same shape as the keys file. */
  toJson(): { keys: Record<string, string> } {
    return {
      keys: Object.fromEntries(
        [...this.keys].map(([id, key]) => [id, key.export({ type: 'spki', format: 'pem' }).toString()]),
      ),
    };
  }

  check(keyId: string | undefined, message: string, signature: string): SignatureCheck {
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (!key) return 'unknown-key';
    try {
      return verify(null, Buffer.from(message), key, Buffer.from(signature, 'base64')) ? 'valid' : 'invalid';
    } catch {
      return 'invalid';
    }
  }
}

/** A key id derived from the public key itself, so a writer and its published key agree without naming. */
export function keyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519-${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

export function createSigner(privateKeyPem: string, keyId?: string): AuditSigner {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the audit signing key must be an Ed25519 key');
  const id = keyId ?? keyFingerprint(createPublicKey(key));
  return {
    keyId: id,
    sign: (message) => sign(null, Buffer.from(message), key).toString('base64'),
  };
}

export interface AuditSettings {
  signer: AuditSigner;
  keyring: AuditKeyring;
  /** how often the writer publishes a signed anchor of its chain heads to lgsp.audit */
  anchorIntervalMs: number;
  /** how often entries not yet copied to lgsp.audit (broker down at the time) are copied again */
  copyIntervalMs: number;
  /**
   * the store schema of the service's audit tables: `audit` unless given (the one-process hub gives
   * each service its own, as its services share one database)
   */
  schema?: string;
}

/**
 * The audit trail's keys, read by each app's config loader:
 * - LGSP_AUDIT_SIGNING_KEY (PEM) or LGSP_AUDIT_SIGNING_KEY_FILE: this writer's Ed25519 private key;
 *   LGSP_AUDIT_KEY_ID names it (default: a fingerprint of its public key).
 * - LGSP_AUDIT_KEYS_FILE: the published public keys, which must include this writer's.
 * In development both default to the committed dev-only pair under config/; production must set them.
 */
export function loadAuditSettings(env: Env): AuditSettings {
  const production = env.NODE_ENV === 'production';
  const inline = optional(env, 'LGSP_AUDIT_SIGNING_KEY');
  const file = optional(env, 'LGSP_AUDIT_SIGNING_KEY_FILE');
  if (!inline && !file && production)
    throw new ConfigError(
      'LGSP_AUDIT_SIGNING_KEY',
      'must be set in production (or LGSP_AUDIT_SIGNING_KEY_FILE): the Ed25519 key audit entries are signed with',
    );
  const keyVariable = inline ? 'LGSP_AUDIT_SIGNING_KEY' : 'LGSP_AUDIT_SIGNING_KEY_FILE';
  let signer: AuditSigner;
  try {
    const pem =
      inline ?? readFileSync(configFile(env, 'LGSP_AUDIT_SIGNING_KEY_FILE', 'audit-signing.dev.pem'), 'utf8');
    signer = createSigner(pem, optional(env, 'LGSP_AUDIT_KEY_ID'));
  } catch (error) {
    throw new ConfigError(keyVariable, `not a usable Ed25519 private key: ${(error as Error).message}`);
  }
  const keysFile = production
    ? str(env, 'LGSP_AUDIT_KEYS_FILE')
    : configFile(env, 'LGSP_AUDIT_KEYS_FILE', 'audit-keys.dev.json');
  let keyring: AuditKeyring;
  try {
    keyring = AuditKeyring.fromFile(keysFile);
  } catch (error) {
    throw new ConfigError('LGSP_AUDIT_KEYS_FILE', (error as Error).message);
  }
  // A writer whose key verifiers do not know would write entries that fail verification: refuse to start.
  const probe = 'lgsp.audit.key-check';
  if (keyring.check(signer.keyId, probe, signer.sign(probe)) !== 'valid')
    throw new ConfigError(
      'LGSP_AUDIT_KEYS_FILE',
      `does not publish the public key of ${keyVariable} under its key id ${signer.keyId}`,
    );
  return {
    signer,
    keyring,
    anchorIntervalMs: int(env, 'LGSP_AUDIT_ANCHOR_INTERVAL_MS', 60_000, 100),
    copyIntervalMs: int(env, 'LGSP_AUDIT_COPY_INTERVAL_MS', 5_000, 100),
  };
}
