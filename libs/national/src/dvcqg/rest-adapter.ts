import type { NationalAdapter, NationalLookup, DvcqgRestSettings } from '../adapter';
import { IdempotencyKeyHeader } from '../delivery/idempotency';
import { classifyDvcqgAnswer, classifyTransportError, type CallOutcome } from '../delivery/outcome';
import { parseJson, transportError } from '../delivery/transport';
import { DvcqgServices } from './codes';
import { lookupResult } from './lookup';
import { withSession, type DvcqgAnswer, type TraCuuHoSoBody } from './payloads';
import type { NationalCall } from './plan';

/** The paths the simulator (apps/national-sim) serves the DVCQG sync calls on: the defaults of the settings. */
export const DvcqgDefaultPaths = { login: '/dvcqg/login', sync: '/dvcqg/sync' } as const;

/** The routing header some national gateways require (LGSP_DVCQG_DSTCODE). */
export const DestinationCodeHeader = 'dstcode';

/**
 * The DVCQG dossier sync over REST: log in with the province's account, keep the session in memory, POST the
 * calls with the session and madonvi in the body and the call's Idempotency-Key header. Every failure becomes a
 * CallOutcome (nothing throws); a 401 forgets the session, so the delivery loop logs in again. Neither the
 * password nor the session is ever logged or put in an outcome.
 */
export class DvcqgRestAdapter implements NationalAdapter {
  readonly kind = 'dvcqg-rest' as const;
  private session: string | undefined;
  private readonly closing = new AbortController();

  constructor(private readonly settings: DvcqgRestSettings) {}

  /** whether a session is held (for the delivery state; never the session itself) */
  get loggedIn(): boolean {
    return this.session !== undefined;
  }

  async login(signal?: AbortSignal): Promise<CallOutcome> {
    this.session = undefined;
    const { username, password } = this.settings;
    const answer = await this.post(this.settings.loginPath, { username, password }, undefined, signal);
    if (answer.kind === 'failed') return answer.outcome;
    const outcome = classifyDvcqgAnswer(answer.status, answer.body, answer.retryAfter);
    // A refused login is the national side's answer about the account, not an expired session.
    if (outcome.kind === 'unauthorized') return { kind: 'rejected', status: 401, message: outcome.message };
    if (outcome.kind !== 'delivered') return outcome;
    const session = (answer.body as DvcqgAnswer).session;
    if (typeof session !== 'string' || session === '')
      return { kind: 'rejected', status: answer.status, message: 'the login answered no session' };
    this.session = session;
    return outcome;
  }

  async send(call: NationalCall, signal?: AbortSignal): Promise<CallOutcome> {
    const session = this.session;
    if (session === undefined) return { kind: 'unauthorized', message: 'not logged in' };
    const body = withSession(call.body, session, this.settings.agencyCode);
    const answer = await this.post(this.settings.syncPath, body, call.idempotency.key, signal);
    return answer.kind === 'failed' ? answer.outcome : this.classify(answer);
  }

  async lookup(dossierCode: string, signal?: AbortSignal): Promise<NationalLookup> {
    const session = this.session;
    if (session === undefined)
      return { kind: 'failed', outcome: { kind: 'unauthorized', message: 'not logged in' } };
    const body: TraCuuHoSoBody & { session: string; madonvi: string } = {
      session,
      madonvi: this.settings.agencyCode,
      service: DvcqgServices.lookupDossier,
      MaHoSo: dossierCode,
    };
    const answer = await this.post(this.settings.syncPath, body, undefined, signal);
    if (answer.kind === 'failed') return answer;
    return lookupResult(this.classify(answer), answer.body, dossierCode);
  }

  close(): Promise<void> {
    this.closing.abort(new Error('the adapter is closed'));
    this.session = undefined;
    return Promise.resolve();
  }

  private classify(answer: { status: number; body: unknown; retryAfter?: string }): CallOutcome {
    const outcome = classifyDvcqgAnswer(answer.status, answer.body, answer.retryAfter);
    if (outcome.kind === 'unauthorized') this.session = undefined;
    return outcome;
  }

  private async post(
    path: string,
    body: unknown,
    idempotencyKey: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<
    | { kind: 'answered'; status: number; body: unknown; retryAfter?: string }
    | { kind: 'failed'; outcome: CallOutcome }
  > {
    if (this.closing.signal.aborted)
      return { kind: 'failed', outcome: { kind: 'unavailable', reason: 'the adapter is closed' } };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (idempotencyKey) headers[IdempotencyKeyHeader] = idempotencyKey;
    if (this.settings.destinationCode) headers[DestinationCodeHeader] = this.settings.destinationCode;
    const signals = [this.closing.signal, AbortSignal.timeout(this.settings.timeoutMs)];
    if (signal) signals.push(signal);
    try {
      const response = await fetch(new URL(path, this.settings.baseUrl), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any(signals),
      });
      const text = await response.text();
      return {
        kind: 'answered',
        status: response.status,
        body: parseJson(text),
        retryAfter: response.headers.get('retry-after') ?? undefined,
      };
    } catch (error) {
      return { kind: 'failed', outcome: classifyTransportError(transportError(error), true) };
    }
  }
}
