import type { CallOutcome } from './delivery/outcome';
import type { NationalCall, NationalDossierView } from './dvcqg/plan';
import type { XRoadClientId, XRoadServiceId } from './xroad/identifiers';

/**
 * The national side, as the bridge sees it: one interface, implementations chosen by configuration.
 *
 * - DVCQG sync over REST with a token: log in with the province's account, then POST the sync calls with the
 *   session and the agency code (madonvi) in the body.
 * - X-Road REST through a security server: the same calls as X-Road services of the national portal's subsystem,
 *   sent to the province's own security server with X-Road-Client naming the province's subsystem.
 * - The simulator (apps/national-sim) answers both, keeps what it receives and injects faults.
 *
 * An implementation turns every failure into a CallOutcome instead of throwing: the delivery loop decides what
 * to do with it (nextStep, reconcile) and the circuit breaker counts the outages (isOutage). It sends the call's
 * idempotency key (IdempotencyKeyHeader) with every try of it. It never logs the password or the session.
 */
export interface NationalAdapter {
  /** which implementation, for logs, metrics and the delivery state */
  readonly kind: NationalAdapterKind;

  /**
   * Obtain a session (DVCQG login), or check the security server can be reached (X-Road). Called before the
   * first call and again when a call came back `unauthorized`.
   */
  login(signal?: AbortSignal): Promise<CallOutcome>;

  /** Send one planned call (DongBoHoSoMC or CapNhatTienDoHoSoMC) once. */
  send(call: NationalCall, signal?: AbortSignal): Promise<CallOutcome>;

  /**
   * What the national side holds for a dossier (TraCuuHoSo): whether its record exists and its processing
   * history. Asked before sending again a call whose previous try had an unknown outcome (see reconcile()).
   */
  lookup(dossierCode: string, signal?: AbortSignal): Promise<NationalLookup>;

  /** Release connections; no call is sent after close. */
  close(): Promise<void>;
}

/** What a lookup found: the national view of the dossier, or the outcome of the failed TraCuuHoSo. */
export type NationalLookup =
  { kind: 'found'; view: NationalDossierView } | { kind: 'failed'; outcome: CallOutcome };

/** 'in-memory': a test double of the national side that keeps what it receives (the delivery loop's unit tests). */
export type NationalAdapterKind = 'dvcqg-rest' | 'xroad-rest' | 'in-memory';

/** Configuration of the DVCQG REST implementation (secrets come from the environment, never from a file in git). */
export interface DvcqgRestSettings {
  kind: 'dvcqg-rest';
  /** base URL of the national sync service */
  baseUrl: string;
  /** path of the login call, relative to baseUrl */
  loginPath: string;
  /** path of the sync calls (DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo), relative to baseUrl */
  syncPath: string;
  username: string;
  password: string;
  /** madonvi: the code of the syncing agency, as registered with the national portal */
  agencyCode: string;
  /** a routing header some national gateways require (dstcode), sent as given when set */
  destinationCode?: string;
  timeoutMs: number;
}

/** Configuration of the X-Road REST implementation. */
export interface XRoadRestSettings {
  kind: 'xroad-rest';
  /** the province's own security server (consumer side), e.g. https://ss.province.example:443 */
  securityServerUrl: string;
  /** the province's client subsystem, sent as X-Road-Client */
  client: XRoadClientId & { subsystemCode: string };
  /** the national portal's sync service; the calls go to /r1/{service}/… */
  service: XRoadServiceId;
  /** mutual TLS between the bridge and its security server (PR-REST 4.7 recommends it) */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** madonvi, as for DVCQG REST: the national service still needs the agency */
  agencyCode: string;
  timeoutMs: number;
}

/** The simulator is reached with either: it serves the DVCQG REST calls and the X-Road REST form of them. */
export type NationalAdapterSettings = DvcqgRestSettings | XRoadRestSettings;
