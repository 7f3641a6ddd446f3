/**
 * The catalogue of the hub's coded errors. Codes are stable: clients and operators search for them,
 * so a code is never reused for another meaning.
 */
export const ErrorCatalog = {
  LGSP_ERR_MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  LGSP_ERR_CLOUDEVENT_INVALID: { status: 400, title: 'The CloudEvent is missing or has invalid attributes' },
  LGSP_ERR_SCHEMA_INVALID: { status: 422, title: 'The event data does not match its JSON Schema' },
  LGSP_ERR_UNKNOWN_TYPE: { status: 422, title: 'The event type is not in the catalog' },
  LGSP_ERR_UNSTORABLE_TEXT: {
    status: 422,
    title: 'The event holds characters the hub cannot store (U+0000 or an unpaired surrogate)',
  },
  LGSP_ERR_UNAUTHENTICATED: { status: 401, title: 'No valid API key was presented' },
  LGSP_ERR_FORBIDDEN: { status: 403, title: 'The caller is not granted this event type or source' },
  LGSP_ERR_NOT_OWNER: {
    status: 403,
    title: 'The publisher does not own the record the event changes, and is not its delegate',
  },
  LGSP_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported' },
  LGSP_ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  LGSP_ERR_HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  LGSP_ERR_DUPLICATE_CONFLICT: {
    status: 409,
    title: 'An event with this source and id was already accepted with different content',
  },
  LGSP_ERR_IN_PROGRESS: {
    status: 409,
    title: 'An event with this source and id is being published right now',
  },
  LGSP_ERR_BROKER_UNAVAILABLE: { status: 503, title: 'The event store (Kafka) is unavailable; retry later' },
  LGSP_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  LGSP_ERR_INVALID_TRANSITION: { status: 409, title: 'The dossier status transition is not allowed' },
  LGSP_ERR_BAD_POSITION: { status: 400, title: 'The topic position is not valid' },
  LGSP_ERR_BAD_REQUEST: { status: 400, title: 'The request is not valid' },
  LGSP_ERR_NOT_CONFIRMED: { status: 409, title: 'A bulk or destructive operation was not confirmed' },
  LGSP_ERR_ALREADY_RUNNING: { status: 409, title: 'The operation is already running' },
  // 409 like NOT_CONFIRMED: the request is valid, the topic's state stands in its way, and the same request
  // with explicit consent (allowTruncatedHistory) proceeds.
  LGSP_ERR_HISTORY_TRUNCATED: {
    status: 409,
    title: 'The topic no longer holds the whole history the operation would read',
  },
  LGSP_ERR_QUERY_TOO_DEEP: { status: 400, title: 'The GraphQL query is nested deeper than allowed' },
  LGSP_ERR_QUERY_TOO_COSTLY: { status: 400, title: 'The GraphQL query may read more fields than allowed' },
  LGSP_ERR_FIELD_FORBIDDEN: { status: 403, title: 'The consumer is not granted a field the query reads' },
  LGSP_ERR_PURPOSE_REQUIRED: { status: 400, title: 'A purpose of use is required to read personal data' },
  LGSP_ERR_PURPOSE_NOT_GRANTED: {
    status: 403,
    title: 'The consumer is not granted the purpose of use it declared',
  },
  LGSP_ERR_INTROSPECTION_DISABLED: {
    status: 403,
    title: 'Schema introspection is not open to this caller here',
  },
  LGSP_ERR_RESPONSE_TOO_LARGE: {
    status: 413,
    title: 'The answer is larger than allowed; ask for fewer items or fields',
  },
  LGSP_ERR_FIELD_MASKED: { status: 200, title: 'Some fields were masked: the consumer lacks their grant' },
  LGSP_ERR_UNSTORABLE_EVENT: {
    status: 422,
    title: 'The read model can never store this event (the database refuses its content)',
  },
  LGSP_ERR_AUDIT_UNAVAILABLE: {
    status: 503,
    title:
      'The audit trail cannot record this read of personal data right now, so it is not answered; retry later',
  },
  LGSP_ERR_NATIONAL_REJECTED: {
    status: 502,
    title: 'The national side refused a sync call; the call is parked and its dossier held until a redrive',
  },
  LGSP_ERR_NATIONAL_GAVE_UP: {
    status: 504,
    title:
      'A national sync call failed on every try; the call is parked and its dossier held until a redrive',
  },
  LGSP_ERR_NATIONAL_BAD_REDRIVE: {
    status: 422,
    title: 'A redrive request of a parked national call names no parked call the bridge can read',
  },
  LGSP_ERR_NATIONAL_LOG_UNAVAILABLE: {
    status: 503,
    title: 'The message log cannot record this national exchange right now; retry later',
  },
  LGSP_ERR_NATIONAL_METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'The national service does not answer this HTTP method',
  },
  LGSP_ERR_CONFIG: { status: 500, title: 'Invalid configuration' },
  LGSP_ERR_INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ErrorCatalog;

export interface ValidationIssue {
  /** JSON pointer into the event (RFC 6901), e.g. /data/MaHoSo */
  pointer: string;
  message: string;
}

/** An error that carries a catalogue code and becomes RFC 9457 problem+json at the HTTP edge. */
export class HubError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly errors?: ValidationIssue[],
    readonly retryAfterSeconds?: number,
  ) {
    super(`${code}: ${detail ?? ErrorCatalog[code].title}`);
    this.name = 'HubError';
    this.status = ErrorCatalog[code].status;
  }

  toProblem(instance?: string): ProblemDetails {
    return {
      type: `urn:lgsp:error:${this.code}`,
      title: ErrorCatalog[this.code].title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  errors?: ValidationIssue[];
}
