import { answerMessage, classifyDvcqgAnswer, parseRetryAfter, type CallOutcome } from '../delivery/outcome';

/**
 * An answer that came back through the security servers. With an `X-Road-Error` header it is X-Road's own error
 * (PR-REST 4.6: 400 or 500, the type saying where it happened), classified by its type; without one it is the
 * national service's answer, passed through, and classified as the DVCQG REST form's (classifyDvcqgAnswer).
 */
export function classifyXRoadAnswer(answer: {
  status: number;
  body: unknown;
  /** the X-Road-Error header, when present */
  xroadError?: string;
  retryAfter?: string;
}): CallOutcome {
  const type = answer.xroadError?.trim();
  if (!type) return classifyDvcqgAnswer(answer.status, answer.body, answer.retryAfter);
  const message = `${type}: ${answerMessage(answer.body) ?? `HTTP ${answer.status}`}`;
  switch (xroadErrorKind(type)) {
    case 'rejected':
      return { kind: 'rejected', status: answer.status, code: type, message };
    case 'unavailable': {
      const retryAfterMs = parseRetryAfter(answer.retryAfter);
      return {
        kind: 'unavailable',
        reason: message,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    case 'unknown':
      return { kind: 'unknown', reason: message };
  }
}

/**
 * Provider-side refusals (ErrorCodes.java of the reference implementation): the request reached the provider's
 * security server and was turned away before the service saw it. Sending it again changes nothing until someone
 * changes the configuration, so the call is parked with the answer (and redriven after the fix).
 */
const REFUSALS = new Set([
  'AccessDenied',
  'UnknownService',
  'UnknownMember',
  'InvalidServiceType',
  'ServiceType',
  'SecurityCategory',
  'InvalidClientIdentifier',
  'InvalidServiceIdentifier',
  'InvalidProtocolVersion',
  'MissingRest',
]);

/**
 * Not forwarded to the service: the provider disabled it for a while (ServiceDisabled), or the province's own
 * security server could not route the message (its global configuration is outdated, the provider's server
 * failed TLS authentication). Safe to send again as it is.
 */
const NOT_FORWARDED = new Set(['ServiceDisabled', 'OutdatedGlobalConf', 'SslAuthenticationFailed']);

/**
 * What an X-Road error type means for the call. `Client.*`: the request does not follow the protocol — sending it
 * again cannot succeed. `Server.*`: the refusals above are permanent, the not-forwarded ones an outage, and every
 * other (ServiceFailed.*, NetworkError, InternalError, a type this code does not know) may have happened after
 * the service received the call: unknown, so the bridge looks before it sends again.
 */
export function xroadErrorKind(type: string): 'rejected' | 'unavailable' | 'unknown' {
  if (type.startsWith('Client.')) return 'rejected';
  // Server.ServerProxy.ServiceFailed.NetworkError → [Server, ServerProxy, ServiceFailed, NetworkError]
  const [, , code] = type.split('.');
  if (code !== undefined && REFUSALS.has(code)) return 'rejected';
  if (code !== undefined && NOT_FORWARDED.has(code)) return 'unavailable';
  return 'unknown';
}
