import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HubError } from '@lgsp/core';

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
  /** hex SHA-256 of the API key */
  keySha256: string;
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

export class ApiKeyRegistry {
  private readonly byHash = new Map<string, Caller>();

  constructor(callers: CallerConfig[]) {
    for (const c of callers) {
      if (!/^[0-9a-f]{64}$/.test(c.keySha256))
        throw new Error(`caller ${c.id}: keySha256 must be 64 hex characters`);
      this.byHash.set(c.keySha256, {
        id: c.id,
        name: c.name,
        role: c.role,
        types: c.types ?? [],
        sources: c.sources ?? [],
      });
    }
  }

  static fromFile(path: string): ApiKeyRegistry {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { callers?: CallerConfig[] };
    if (!Array.isArray(parsed.callers)) throw new Error(`${path}: expected { "callers": [...] }`);
    return new ApiKeyRegistry(parsed.callers);
  }

  /** The caller for a presented key (header `x-api-key` or `Authorization: Bearer`), else 401. */
  authenticate(presented: string | undefined, ...roles: Caller['role'][]): Caller {
    if (!presented)
      throw new HubError(
        'LGSP_ERR_UNAUTHENTICATED',
        'send the API key in x-api-key or Authorization: Bearer',
      );
    // Lookup by the hash of the presented key: timing reveals nothing about a stored key.
    const caller = this.byHash.get(hashApiKey(presented));
    if (!caller) {
      throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'the API key is not valid');
    }
    if (roles.length > 0 && !roles.includes(caller.role)) {
      throw new HubError('LGSP_ERR_FORBIDDEN', `this key does not have the ${roles.join(' or ')} role`);
    }
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
