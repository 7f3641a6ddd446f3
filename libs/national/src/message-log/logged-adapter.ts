import { randomUUID } from 'node:crypto';
import type { NationalAdapter } from '../adapter';
import type { CallOutcome } from '../delivery/outcome';
import { DvcqgServices } from '../dvcqg/codes';
import type { NationalCall } from '../dvcqg/plan';
import type { ExchangeEntry, ExchangeRecorder } from './exchange';

export interface LoggedAdapterOptions {
  /** the province's identity on the national side (madonvi, or its X-Road subsystem): the entries' `client` */
  client: string;
  /** the clock, for tests (epoch milliseconds) */
  now?: () => number;
}

/** The national call name of a login, as the message log names it. */
export const LoginService = 'login';

/**
 * What the log keeps of an outcome besides its kind: status, national error code, transport cause — in the
 * signed metadata. The national side's message text may hold the dossier's personal data, so it goes with the
 * answer's body, which the body policy keeps (or keeps as a digest only).
 */
function outcomeFields(
  outcome: CallOutcome,
): Pick<ExchangeEntry, 'outcome' | 'status' | 'detail' | 'responseBody'> {
  switch (outcome.kind) {
    case 'delivered':
      return { outcome: outcome.kind };
    case 'rejected':
      return {
        outcome: outcome.kind,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.code !== undefined ? { detail: `error_code ${outcome.code}` } : {}),
        responseBody: { error_code: outcome.code, message: outcome.message },
      };
    case 'unauthorized':
      return { outcome: outcome.kind, status: 401, responseBody: { message: outcome.message } };
    case 'unavailable':
    case 'unknown':
      return { outcome: outcome.kind, detail: outcome.reason };
  }
}

/**
 * A NationalAdapter that records every exchange in the message log: each call sent with its body
 * (the body as planned: the adapter adds session and madonvi, so neither is ever in the log), each
 * login (without password or session: no bodies at all), and each lookup with what it found; with the
 * outcome and the duration. Dossier exchanges are not health data.
 *
 * The entry is recorded after the exchange, before its outcome is returned. When the log cannot record
 * it, the method rejects with the recorder's error (LGSP_ERR_NATIONAL_LOG_UNAVAILABLE): an exchange
 * without its entry is not reported as done, and the delivery loop treats it like an unknown outcome.
 */
export class LoggedNationalAdapter implements NationalAdapter {
  private readonly now: () => number;

  constructor(
    private readonly inner: NationalAdapter,
    private readonly recorder: ExchangeRecorder,
    private readonly options: LoggedAdapterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get kind(): NationalAdapter['kind'] {
    return this.inner.kind;
  }

  async login(signal?: AbortSignal): Promise<CallOutcome> {
    const started = this.now();
    const outcome = await this.inner.login(signal);
    await this.record(started, { service: LoginService, requestId: randomUUID(), ...outcomeFields(outcome) });
    return outcome;
  }

  async send(call: NationalCall, signal?: AbortSignal): Promise<CallOutcome> {
    const started = this.now();
    const outcome = await this.inner.send(call, signal);
    await this.record(started, {
      service: call.body.service,
      requestId: call.idempotency.key,
      ...outcomeFields(outcome),
      requestBody: call.body,
    });
    return outcome;
  }

  async lookup(dossierCode: string, signal?: AbortSignal): ReturnType<NationalAdapter['lookup']> {
    const started = this.now();
    const result = await this.inner.lookup(dossierCode, signal);
    await this.record(started, {
      service: DvcqgServices.lookupDossier,
      requestId: randomUUID(),
      ...(result.kind === 'found'
        ? { outcome: 'delivered', responseBody: result.view }
        : outcomeFields(result.outcome)),
      requestBody: { MaHoSo: dossierCode },
    });
    return result;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private record(
    started: number,
    entry: Omit<ExchangeEntry, 'direction' | 'at' | 'client' | 'durationMs' | 'health' | 'method'>,
  ): Promise<void> {
    return this.recorder.record({
      direction: 'outbound',
      at: new Date(started).toISOString(),
      client: this.options.client,
      method: 'POST',
      durationMs: Math.max(0, this.now() - started),
      health: false,
      ...entry,
    });
  }
}
