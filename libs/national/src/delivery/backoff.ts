import { ConfigError } from '@lgsp/core';

/**
 * Exponential back-off with jitter. "Full jitter" (a uniform delay between 0 and the exponential ceiling) spreads
 * the retries of many dossiers that failed together, so a national side coming back is not hit by them all at
 * once; "equal jitter" keeps at least half the ceiling, for callers that must not retry almost at once.
 */
export interface BackoffPolicy {
  /** ceiling of the first retry, in milliseconds */
  baseMs: number;
  /** no delay exceeds this */
  maxMs: number;
  /** the ceiling grows by this factor per attempt (2 doubles it) */
  multiplier: number;
  jitter: 'full' | 'equal' | 'none';
}

export interface RetryPolicy extends BackoffPolicy {
  /** tries of one call, the first included; after the last the call is parked in the dead-letter topic */
  maxAttempts: number;
}

export const DefaultRetryPolicy: RetryPolicy = {
  baseMs: 500,
  maxMs: 5 * 60_000,
  multiplier: 2,
  jitter: 'full',
  maxAttempts: 12,
};

/**
 * The delay before retry number `retry` (1 for the first retry after the first failure). `random` returns a
 * number in [0, 1), like Math.random; tests pass their own. A `retryAfterMs` the national side asked for (HTTP
 * Retry-After) is a floor, still capped by maxMs.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  if (!Number.isInteger(retry) || retry < 1)
    throw new RangeError(`backoffDelay: retry must be 1 or more, got ${retry}`);
  // multiplier ** (retry - 1) overflows to Infinity for large retries; min() then caps it
  const ceiling = Math.min(policy.maxMs, policy.baseMs * policy.multiplier ** (retry - 1));
  let delay: number;
  switch (policy.jitter) {
    case 'full':
      delay = random() * ceiling;
      break;
    case 'equal':
      delay = ceiling / 2 + (random() * ceiling) / 2;
      break;
    case 'none':
      delay = ceiling;
      break;
  }
  return Math.round(Math.min(policy.maxMs, Math.max(delay, retryAfterMs ?? 0)));
}

/** Checks a policy read from configuration; `source` names where it came from in the error. */
export function validateRetryPolicy(policy: RetryPolicy, source = 'retry policy'): RetryPolicy {
  const positive = (name: keyof RetryPolicy, value: number, min: number) => {
    if (!Number.isFinite(value) || value < min)
      throw new ConfigError(`${source}.${name}`, `must be ${min} or more, got ${value}`);
  };
  positive('baseMs', policy.baseMs, 1);
  positive('maxMs', policy.maxMs, policy.baseMs);
  positive('multiplier', policy.multiplier, 1);
  positive('maxAttempts', policy.maxAttempts, 1);
  if (!Number.isInteger(policy.maxAttempts))
    throw new ConfigError(`${source}.maxAttempts`, `must be an integer, got ${policy.maxAttempts}`);
  if (!['full', 'equal', 'none'].includes(policy.jitter))
    throw new ConfigError(`${source}.jitter`, `must be full, equal or none, got "${String(policy.jitter)}"`);
  return policy;
}
