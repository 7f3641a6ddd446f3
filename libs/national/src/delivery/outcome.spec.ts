import { DefaultRetryPolicy, type RetryPolicy } from './backoff';
import {
  classifyDvcqgAnswer,
  classifyTransportError,
  isOutage,
  nextStep,
  parseRetryAfter,
  type CallOutcome,
} from './outcome';

describe(classifyDvcqgAnswer.name, () => {
  it.each([0, '0', '00', ' 0 '])('error_code %p in a 200 is delivered', (code) => {
    expect(classifyDvcqgAnswer(200, { error_code: code, message: 'ok' })).toEqual({ kind: 'delivered' });
  });

  it('another error_code in a 200 is the national side refusing the call, with its message', () => {
    expect(classifyDvcqgAnswer(200, { error_code: '-1', message: 'MaTTHC không tồn tại' })).toEqual({
      kind: 'rejected',
      status: 200,
      code: '-1',
      message: 'MaTTHC không tồn tại',
    });
  });

  it('a 2xx without error_code is unknown: something answered, but not the sync service', () => {
    expect(classifyDvcqgAnswer(200, '<html>proxy</html>').kind).toBe('unknown');
    expect(classifyDvcqgAnswer(200, { result: [] }).kind).toBe('unknown');
    expect(classifyDvcqgAnswer(200, null).kind).toBe('unknown');
  });

  it('401 asks for a new session', () => {
    expect(classifyDvcqgAnswer(401, { message: 'session expired' })).toEqual({
      kind: 'unauthorized',
      message: 'session expired',
    });
  });

  it('429 and 503 are unavailable (not processed), with Retry-After', () => {
    expect(classifyDvcqgAnswer(503, {}, '7')).toEqual({
      kind: 'unavailable',
      reason: 'HTTP 503',
      retryAfterMs: 7000,
    });
    expect(classifyDvcqgAnswer(429, {})).toEqual({ kind: 'unavailable', reason: 'HTTP 429' });
    expect(classifyDvcqgAnswer(408, {}).kind).toBe('unavailable');
  });

  it.each([500, 502, 504])('%i is unknown: the call may have been processed', (status) => {
    expect(classifyDvcqgAnswer(status, {})).toEqual({ kind: 'unknown', reason: `HTTP ${status}` });
  });

  it('another 4xx is a rejection of this call', () => {
    expect(classifyDvcqgAnswer(400, { message: 'thiếu MaHoSo' })).toEqual({
      kind: 'rejected',
      status: 400,
      message: 'thiếu MaHoSo',
    });
    expect(classifyDvcqgAnswer(403, 'forbidden')).toEqual({
      kind: 'rejected',
      status: 403,
      message: 'HTTP 403',
    });
  });

  it('keeps at most 1000 characters of a national message', () => {
    const outcome = classifyDvcqgAnswer(200, { error_code: 1, message: 'x'.repeat(5000) });
    expect(outcome.kind === 'rejected' && outcome.message.length).toBe(1000);
  });
});

describe(classifyTransportError.name, () => {
  it('a failure before the request left is unavailable', () => {
    expect(classifyTransportError({ code: 'ECONNREFUSED', message: 'refused' }, false)).toEqual({
      kind: 'unavailable',
      reason: 'ECONNREFUSED: refused',
    });
    expect(classifyTransportError({ code: 'ENOTFOUND', message: 'no such host' }, true).kind).toBe(
      'unavailable',
    );
  });

  it('a failure after the request left is unknown', () => {
    expect(classifyTransportError({ code: 'ECONNRESET', message: 'reset' }, true).kind).toBe('unknown');
    expect(classifyTransportError({ message: 'timeout' }, true)).toEqual({
      kind: 'unknown',
      reason: 'timeout',
    });
  });
});

describe(isOutage.name, () => {
  it('counts unavailable and unknown against the circuit, not a refusal or a login', () => {
    const outcomes: CallOutcome[] = [
      { kind: 'delivered' },
      { kind: 'rejected', message: 'no' },
      { kind: 'unauthorized', message: 'expired' },
      { kind: 'unavailable', reason: 'down' },
      { kind: 'unknown', reason: 'timeout' },
    ];
    expect(outcomes.map(isOutage)).toEqual([false, false, false, true, true]);
  });
});

describe(nextStep.name, () => {
  const policy: RetryPolicy = {
    ...DefaultRetryPolicy,
    baseMs: 100,
    maxMs: 1000,
    jitter: 'none',
    maxAttempts: 3,
  };

  it('done when delivered', () => {
    expect(nextStep({ kind: 'delivered' }, 1, policy)).toEqual({ kind: 'done' });
  });

  it('parks a rejection at once, with the national answer', () => {
    expect(nextStep({ kind: 'rejected', status: 200, code: '5', message: 'sai MaTTHC' }, 1, policy)).toEqual({
      kind: 'park',
      reason: 'rejected by the national side: HTTP 200, error_code 5: sai MaTTHC',
    });
  });

  it('retries unavailable with back-off, without reconciling', () => {
    expect(nextStep({ kind: 'unavailable', reason: 'down' }, 1, policy)).toEqual({
      kind: 'retry',
      delayMs: 100,
      relogin: false,
      reconcile: false,
    });
    expect(nextStep({ kind: 'unavailable', reason: 'down' }, 2, policy)).toMatchObject({ delayMs: 200 });
  });

  it('honours Retry-After', () => {
    expect(nextStep({ kind: 'unavailable', reason: '503', retryAfterMs: 900 }, 1, policy)).toMatchObject({
      delayMs: 900,
    });
  });

  it('retries unknown after reconciling: the previous try may have been applied', () => {
    expect(nextStep({ kind: 'unknown', reason: 'timeout' }, 1, policy)).toEqual({
      kind: 'retry',
      delayMs: 100,
      relogin: false,
      reconcile: true,
    });
  });

  it('logs in again at once when the session expired', () => {
    expect(nextStep({ kind: 'unauthorized', message: 'expired' }, 1, policy)).toEqual({
      kind: 'retry',
      delayMs: 0,
      relogin: true,
      reconcile: false,
    });
  });

  it('parks after the last try, saying why', () => {
    expect(nextStep({ kind: 'unknown', reason: 'HTTP 504' }, 3, policy)).toEqual({
      kind: 'park',
      reason: 'gave up after 3 tries: unknown: HTTP 504',
    });
    expect(nextStep({ kind: 'unauthorized', message: 'bad password' }, 3, policy)).toEqual({
      kind: 'park',
      reason: 'gave up after 3 tries: unauthorized: bad password',
    });
  });
});

describe(parseRetryAfter.name, () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')),
    ).toBe(10_000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:29:00 GMT')),
    ).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
