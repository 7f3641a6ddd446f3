/**
 * One exchange with the national side, in either direction, as the bridge's message log records it.
 *
 * - `outbound`: the bridge called the national side (a DVCQG sync call, a lookup, a login — never the password
 *   or the session).
 * - `inbound`: a national system or another province called the province's X-Road provider endpoint.
 *
 * Metadata is always kept; the bodies only as the configuration allows (`LGSP_XROAD_LOG_BODIES`), and a body of
 * health data never in clear. The recorder signs each entry and chains it to the one before, like the audit trail.
 */
export interface ExchangeEntry {
  direction: 'inbound' | 'outbound';
  /** when the exchange started (ISO 8601) */
  at: string;
  /** inbound: the X-Road-Client; outbound: the province's own identity (madonvi or its X-Road subsystem) */
  client: string;
  /** inbound: the X-Road service id; outbound: the national call (DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo, login) */
  service: string;
  /** inbound: the X-Road-Request-Id; outbound: the call's idempotency key, or a generated id for a login/lookup */
  requestId: string;
  /** inbound: X-Road-Id / X-Road-UserId / X-Road-Issue when sent */
  messageId?: string;
  userId?: string;
  issue?: string;
  /** inbound: X-Road-Request-Hash of the request */
  requestHash?: string;
  method?: string;
  /** path without the query string values that may hold personal data: the recorder decides what it keeps */
  path?: string;
  /** the HTTP status answered (inbound) or received (outbound); absent when no answer came */
  status?: number;
  /** outbound: the call's outcome kind (delivered, rejected, unavailable, unknown, unauthorized) */
  outcome?: string;
  /** outbound: what the national side answered besides success (its code and message), or why no answer came */
  detail?: string;
  /** inbound: the X-Road-Error type when the answer was an error */
  errorType?: string;
  durationMs: number;
  /** true when the data is health data: its bodies are never kept in clear */
  health?: boolean;
  requestBody?: unknown;
  responseBody?: unknown;
}

/** What the bridge's two directions call; the message log implements it. */
export interface ExchangeRecorder {
  /** Durably records one exchange; rejects when it could not (the caller decides whether that fails the exchange). */
  record(entry: ExchangeEntry): Promise<void>;
}

/** Nest injection token of the ExchangeRecorder. */
export const EXCHANGE_RECORDER = Symbol('EXCHANGE_RECORDER');
