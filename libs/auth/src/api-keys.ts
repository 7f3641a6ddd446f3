import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HubError } from '@lgsp/core';
import { AccessTokenVerifier, looksLikeJwt, type TokenSettings } from './access-tokens';

/**
 * Callers and their grants, from a JSON file an administrator edits. Keys are stored as SHA-256
 * hashes (keys are long random strings, so a fast hash is enough; the clear key is never stored
 * or logged). A pattern ending in `*` grants every name below it (whole segments).
 */
export interface CallerConfig {
  /** stable caller id, e.g. the agency code or the consumer's name */
  id: string;
  name: string;
  role: 'publisher' | 'consumer' | 'operator' | 'gateway';
  /** hex SHA-256 of the API key (one key; see `keys` for several) */
  keySha256?: string;
  /** when that key stops working (ISO 8601) */
  keyExpiresAt?: string;
  /** several keys, e.g. the old and the new one while a key is rotated; each may expire */
  keys?: { sha256: string; expiresAt?: string; label?: string }[];
  /** OAuth 2.0 client id: an access token whose client_id claim is this authenticates as this caller */
  clientId?: string;
  /** publishers: event types they may publish */
  types?: string[];
  /** publishers: CloudEvents sources they may use */
  sources?: string[];
}

export interface Caller {
  id: string;
  name: string;
  role: CallerConfig['role'];
  types: string[];
  sources: string[];
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Grant patterns match whole segments, never string prefixes: `/000.00.01.H22/*` matches
 * `/000.00.01.H22/igate` but not `/000.00.01.H22x/igate` nor `/000.00.01.H22/../000.00.02.H22/igate`.
 * A final `*` stands for one or more segments; empty, `.` and `..` segments never match.
 */
function matches(patterns: string[], value: string, separator: '/' | '.'): boolean {
  const segments = value.split(separator);
  const leading = separator === '/' && value.startsWith('/') ? 1 : 0;
  if (segments.slice(leading).some((s) => s === '' || s === '.' || s === '..' || /%2[ef]/i.test(s)))
    return false;
  return patterns.some((pattern) => {
    const parts = pattern.split(separator);
    const wildcard = parts.at(-1) === '*';
    const fixed = wildcard ? parts.slice(0, -1) : parts;
    if (wildcard ? segments.length <= fixed.length : segments.length !== fixed.length) return false;
    return fixed.every((part, i) => part === segments[i]);
  });
}

export interface CallersFile {
  callers: CallerConfig[];
  /** where access tokens come from; absent → API keys only */
  tokens?: TokenSettings;
}

interface KeyEntry {
  caller: Caller;
  expiresAt?: Date;
}

export class ApiKeyRegistry {
  private readonly byHash = new Map<string, KeyEntry>();
  private readonly byClientId = new Map<string, Caller>();
  private readonly all: Caller[] = [];

  constructor(
    callers: CallerConfig[],
    private readonly tokens?: AccessTokenVerifier,
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const c of callers) {
      const caller: Caller = {
        id: c.id,
        name: c.name,
        role: c.role,
        types: c.types ?? [],
        sources: c.sources ?? [],
      };
      this.all.push(caller);
      const keys = [
        ...(c.keySha256 ? [{ sha256: c.keySha256, expiresAt: c.keyExpiresAt }] : []),
        ...(c.keys ?? []),
      ];
      if (keys.length === 0 && !c.clientId)
        throw new Error(`caller ${c.id}: needs keySha256, keys or clientId`);
      for (const key of keys) {
        if (!/^[0-9a-f]{64}$/.test(key.sha256))
          throw new Error(`caller ${c.id}: a key hash must be 64 hex characters`);
        const expiresAt = key.expiresAt === undefined ? undefined : new Date(key.expiresAt);
        if (expiresAt && Number.isNaN(expiresAt.getTime()))
          throw new Error(`caller ${c.id}: expiresAt ${key.expiresAt} is not a date`);
        this.byHash.set(key.sha256, { caller, expiresAt });
      }
      if (c.clientId) this.byClientId.set(c.clientId, caller);
    }
  }

  /** Every caller of the file (ingest derives the Kafka-native publishers' ingress topics from it). */
  list(): readonly Caller[] {
    return this.all;
  }

  static fromFile(path: string): ApiKeyRegistry {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CallersFile>;
    if (!Array.isArray(parsed.callers)) throw new Error(`${path}: expected { "callers": [...] }`);
    const tokens = parsed.tokens ? AccessTokenVerifier.fromSettings(parsed.tokens, path) : undefined;
    return new ApiKeyRegistry(parsed.callers, tokens);
  }

  /**
   * The caller for a presented credential (header `x-api-key`, or `Authorization: Bearer` with an API
   * key or an access token), else 401; 403 when it has none of `roles`.
   */
  async authenticate(presented: string | undefined, ...roles: Caller['role'][]): Promise<Caller> {
    if (!presented)
      throw new HubError(
        'LGSP_ERR_UNAUTHENTICATED',
        'send an API key in x-api-key, or an API key or access token in Authorization: Bearer',
      );
    const caller = looksLikeJwt(presented) ? await this.byToken(presented) : this.byKey(presented);
    if (roles.length > 0 && !roles.includes(caller.role)) {
      throw new HubError('LGSP_ERR_FORBIDDEN', `this key does not have the ${roles.join(' or ')} role`);
    }
    return caller;
  }

  /** The caller for an API key (no access tokens): for the operator CLI and service-to-service keys. */
  authenticateKey(presented: string | undefined, ...roles: Caller['role'][]): Caller {
    if (!presented) throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'no API key was given');
    const caller = this.byKey(presented);
    if (roles.length > 0 && !roles.includes(caller.role))
      throw new HubError('LGSP_ERR_FORBIDDEN', `this key does not have the ${roles.join(' or ')} role`);
    return caller;
  }

  private byKey(presented: string): Caller {
    // Lookup by the hash of the presented key: timing reveals nothing about a stored key.
    const entry = this.byHash.get(hashApiKey(presented));
    if (!entry) throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'the API key is not valid');
    if (entry.expiresAt && entry.expiresAt <= this.now())
      throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'the API key has expired');
    return entry.caller;
  }

  private async byToken(token: string): Promise<Caller> {
    if (!this.tokens)
      throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'access tokens are not configured on this hub');
    const clientId = await this.tokens.clientIdOf(token);
    const caller = this.byClientId.get(clientId);
    if (!caller) throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'the token names an unknown client');
    return caller;
  }

  /** 403 unless the publisher is granted both the event type and the source. */
  authorizePublish(caller: Caller, type: string, source: string): void {
    if (!matches(caller.types, type, '.'))
      throw new HubError('LGSP_ERR_FORBIDDEN', `not granted event type ${type}`);
    if (!matches(caller.sources, source, '/'))
      throw new HubError('LGSP_ERR_FORBIDDEN', `not granted source ${source}`);
  }
}

export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct) return direct;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return undefined;
}
