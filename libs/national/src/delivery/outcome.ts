import { backoffDelay, type RetryPolicy } from './backoff';

/**
 * What became of one national call, as far as the bridge can tell, and what to do next. The distinction that
 * matters for idempotency is between "not processed" (safe to send again as is) and "unknown" (the request left,
 * no answer came back: the national side may have applied it, so the bridge looks before it sends again).
 */
export type CallOutcome =
  | { kind: 'delivered' }
  /** the national side answered no: permanent for this call, parked with the answer */
  | { kind: 'rejected'; status?: number; code?: string; message: string }
  /** the session is no longer valid: log in again, then send again */
  | { kind: 'unauthorized'; message: string }
  /** not processed (refused connection, 503, 429, 408): the national side is unavailable */
  | { kind: 'unavailable'; reason: string; retryAfterMs?: number }
  /** sent without an answer (timeout, reset, 500/502/504, an unreadable 2xx): may have been applied */
  | { kind: 'unknown'; reason: string };

/** The national side is down or failing: these outcomes count against the circuit breaker. */
export function isOutage(outcome: CallOutcome): boolean {
  return outcome.kind === 'unavailable' || outcome.kind === 'unknown';
}

/**
 * An HTTP answer of the DVCQG sync service. `error_code` 0 ("0", "00" or 0 on the wire) is success; another code
 * in a 2xx answer is the national side refusing this call. `retryAfter` is the raw Retry-After header, if any.
 */
export function classifyDvcqgAnswer(status: number, body: unknown, retryAfter?: string): CallOutcome {
  if (status === 401) return { kind: 'unauthorized', message: answerMessage(body) ?? 'session not accepted' };
  if (status === 408) return { kind: 'unavailable', reason: 'HTTP 408' };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return {
      kind: 'unavailable',
      reason: `HTTP ${status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  // 500, 502, 504 and the rest of 5xx: the request may have been processed before the failure
  if (status >= 500) return { kind: 'unknown', reason: `HTTP ${status}` };
  if (status < 200 || status >= 300)
    return { kind: 'rejected', status, message: answerMessage(body) ?? `HTTP ${status}` };
  if (typeof body !== 'object' || body === null || !('error_code' in body))
    return { kind: 'unknown', reason: `HTTP ${status} without an error_code` };
  const code = String(body.error_code).trim();
  if (/^0+$/.test(code)) return { kind: 'delivered' };
  return { kind: 'rejected', status, code, message: answerMessage(body) ?? `error_code ${code}` };
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A transport failure. `sent` says whether the request had been written when it failed; a failure before the
 * request left (refused connection, unknown host) is safe to send again, any later one is unknown.
 */
export function classifyTransportError(
  error: { code?: string; message: string },
  sent: boolean,
): CallOutcome {
  const reason = error.code ? `${error.code}: ${error.message}` : error.message;
  if (!sent || (error.code !== undefined && NOT_SENT.has(error.code))) return { kind: 'unavailable', reason };
  return { kind: 'unknown', reason };
}

export type NextStep =
  | { kind: 'done' }
  /** park the call (and hold the dossier's later calls): the reason goes into the dead letter */
  | { kind: 'park'; reason: string }
  /**
   * send again after delayMs; `relogin` asks for a new session first; `reconcile` asks to look at the national
   * state first (see reconcile()), because the previous try may have been applied
   */
  | { kind: 'retry'; delayMs: number; relogin: boolean; reconcile: boolean };

/**
 * What to do after a try. `attempts` is the number of tries made so far, this one included. Tries refused by an
 * open circuit, and failed probes of a half-open one, are not tries of the call: an outage must not use up the
 * budget of every dossier waiting behind it (the caller does not count them).
 */
export function nextStep(
  outcome: CallOutcome,
  attempts: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  if (outcome.kind === 'delivered') return { kind: 'done' };
  if (outcome.kind === 'rejected')
    return { kind: 'park', reason: `rejected by the national side: ${describeRejection(outcome)}` };
  if (attempts >= policy.maxAttempts)
    return { kind: 'park', reason: `gave up after ${attempts} tries: ${describe(outcome)}` };
  if (outcome.kind === 'unauthorized') return { kind: 'retry', delayMs: 0, relogin: true, reconcile: false };
  const retryAfterMs = outcome.kind === 'unavailable' ? outcome.retryAfterMs : undefined;
  return {
    kind: 'retry',
    delayMs: backoffDelay(attempts, policy, random, retryAfterMs),
    relogin: false,
    reconcile: outcome.kind === 'unknown',
  };
}

function describeRejection(o: Extract<CallOutcome, { kind: 'rejected' }>): string {
  const where = [
    o.status !== undefined ? `HTTP ${o.status}` : undefined,
    o.code ? `error_code ${o.code}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return where ? `${where}: ${o.message}` : o.message;
}

function describe(outcome: Exclude<CallOutcome, { kind: 'delivered' | 'rejected' }>): string {
  return outcome.kind === 'unauthorized'
    ? `unauthorized: ${outcome.message}`
    : `${outcome.kind}: ${outcome.reason}`;
}

/** The `message` of a national or X-Road answer, trimmed and bounded, when it has one. */
export function answerMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message = body.message;
    if (typeof message === 'string' && message.trim()) return message.trim().slice(0, 1000);
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
