import { ConfigError, optional, type Env } from '@lgsp/core';

/**
 * Which bodies of national exchanges the message log keeps (LGSP_XROAD_LOG_BODIES):
 * - `none`: metadata and the SHA-256 of each body only;
 * - `non-health` (default): the bodies of exchanges without health data in clear, health bodies as their SHA-256;
 * - `all`: every body; health bodies sealed (AES-256-GCM) with LGSP_XROAD_LOG_BODY_KEY, never in clear.
 */
export type BodyPolicy = 'none' | 'non-health' | 'all';

export const BodyPolicies: readonly BodyPolicy[] = ['none', 'non-health', 'all'];

export interface MessageLogSettings {
  bodies: BodyPolicy;
  /** the 32-byte AES-256-GCM key health bodies are sealed with; required with `all` */
  bodyKey?: Buffer;
}

/** The message log's settings from the environment; a bad value fails start-up naming the variable. */
export function loadMessageLogSettings(env: Env): MessageLogSettings {
  const bodies = optional(env, 'LGSP_XROAD_LOG_BODIES') ?? 'non-health';
  if (!(BodyPolicies as string[]).includes(bodies))
    throw new ConfigError('LGSP_XROAD_LOG_BODIES', `must be one of ${BodyPolicies.join(', ')}`);
  const encoded = optional(env, 'LGSP_XROAD_LOG_BODY_KEY');
  const bodyKey = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
  if (bodyKey && bodyKey.length !== 32)
    throw new ConfigError('LGSP_XROAD_LOG_BODY_KEY', 'must be 32 bytes in base64 (openssl rand -base64 32)');
  if (bodies === 'all' && !bodyKey)
    throw new ConfigError(
      'LGSP_XROAD_LOG_BODY_KEY',
      'must be set with LGSP_XROAD_LOG_BODIES=all: health bodies are kept only sealed with it',
    );
  return { bodies: bodies as BodyPolicy, ...(bodyKey ? { bodyKey } : {}) };
}
