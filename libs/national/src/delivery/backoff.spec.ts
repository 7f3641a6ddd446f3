import { ConfigError } from '@lgsp/core';
import { backoffDelay, DefaultRetryPolicy, validateRetryPolicy, type BackoffPolicy } from './backoff';

const policy: BackoffPolicy = { baseMs: 100, maxMs: 10_000, multiplier: 2, jitter: 'none' };

describe(backoffDelay.name, () => {
  it('doubles the ceiling per retry without jitter', () => {
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(r, policy))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('caps at maxMs, also for retries whose exponent overflows', () => {
    expect(backoffDelay(8, policy)).toBe(10_000);
    expect(backoffDelay(5000, policy)).toBe(10_000);
  });

  it('full jitter: uniform between 0 and the ceiling', () => {
    const full = { ...policy, jitter: 'full' as const };
    expect(backoffDelay(3, full, () => 0)).toBe(0);
    expect(backoffDelay(3, full, () => 0.5)).toBe(200);
    expect(backoffDelay(3, full, () => 0.999999)).toBe(400);
  });

  it('equal jitter: never less than half the ceiling', () => {
    const equal = { ...policy, jitter: 'equal' as const };
    expect(backoffDelay(3, equal, () => 0)).toBe(200);
    expect(backoffDelay(3, equal, () => 0.5)).toBe(300);
  });

  it('spreads the retries of many callers (full jitter, real randomness)', () => {
    const full = { ...policy, jitter: 'full' as const };
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(6, full)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of delays) expect(d).toBeLessThanOrEqual(3200);
  });

  it('waits at least what the national side asked for (Retry-After), capped by maxMs', () => {
    const full = { ...policy, jitter: 'full' as const };
    expect(backoffDelay(1, full, () => 0, 3000)).toBe(3000);
    expect(backoffDelay(1, full, () => 0, 60_000)).toBe(10_000);
  });

  it.each([0, -1, 1.5])('refuses retry %p', (retry) => {
    expect(() => backoffDelay(retry, policy)).toThrow(RangeError);
  });
});

describe(validateRetryPolicy.name, () => {
  it('accepts the default policy', () => {
    expect(validateRetryPolicy(DefaultRetryPolicy)).toBe(DefaultRetryPolicy);
  });

  it.each([
    [{ baseMs: 0 }, 'national.retry.baseMs'],
    [{ maxMs: 10 }, 'national.retry.maxMs'],
    [{ multiplier: 0.5 }, 'national.retry.multiplier'],
    [{ maxAttempts: 0 }, 'national.retry.maxAttempts'],
    [{ maxAttempts: 2.5 }, 'national.retry.maxAttempts'],
    [{ baseMs: Number.NaN }, 'national.retry.baseMs'],
    [{ jitter: 'some' }, 'national.retry.jitter'],
  ])('names the bad field of %p', (change, field) => {
    const bad = { ...DefaultRetryPolicy, ...change } as typeof DefaultRetryPolicy;
    expect(() => validateRetryPolicy(bad, 'national.retry')).toThrow(ConfigError);
    expect(() => validateRetryPolicy(bad, 'national.retry')).toThrow(field);
  });
});
