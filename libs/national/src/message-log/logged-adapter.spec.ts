import type { NationalAdapter } from '../adapter';
import type { CallOutcome } from '../delivery/outcome';
import { ev, options, code } from '../dvcqg/fixtures.spec-helper';
import { planDelivery, type NationalCall, type NationalDossierView } from '../dvcqg/plan';
import type { ExchangeEntry, ExchangeRecorder } from './exchange';
import { LoggedNationalAdapter } from './logged-adapter';

/** An in-memory national side answering what each test scripts, and counting what it was asked. */
class ScriptedAdapter implements NationalAdapter {
  readonly kind = 'in-memory' as const;
  readonly asked: string[] = [];
  loginOutcome: CallOutcome = { kind: 'delivered' };
  sendOutcome: CallOutcome = { kind: 'delivered' };
  lookupResult: Awaited<ReturnType<NationalAdapter['lookup']>> = {
    kind: 'found',
    view: { exists: true, progress: [] },
  };
  closed = false;

  constructor(private readonly clock: { t: number }) {}

  async login(): Promise<CallOutcome> {
    this.asked.push('login');
    this.clock.t += 40;
    return this.loginOutcome;
  }
  async send(call: NationalCall): Promise<CallOutcome> {
    this.asked.push(call.body.service);
    this.clock.t += 125;
    return this.sendOutcome;
  }
  async lookup(dossierCode: string) {
    this.asked.push(`lookup ${dossierCode}`);
    this.clock.t += 10;
    return this.lookupResult;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class KeptEntries implements ExchangeRecorder {
  readonly entries: ExchangeEntry[] = [];
  failWith?: Error;
  async record(entry: ExchangeEntry): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.entries.push(entry);
  }
}

const plan = planDelivery(undefined, ev.submitted(), options);
if (plan.kind !== 'deliver') throw new Error('the submission plans calls');
const [create] = plan.calls;

describe(LoggedNationalAdapter.name, () => {
  const clock = { t: Date.parse('2026-03-02T01:15:30.000Z') };
  let inner: ScriptedAdapter;
  let recorder: KeptEntries;
  let sut: LoggedNationalAdapter;

  beforeEach(() => {
    inner = new ScriptedAdapter(clock);
    recorder = new KeptEntries();
    sut = new LoggedNationalAdapter(inner, recorder, { client: '000.00.01.H22', now: () => clock.t });
  });

  it('records a sent call with its planned body, key, outcome and duration, and returns the outcome', async () => {
    const at = new Date(clock.t).toISOString();
    expect(await sut.send(create)).toEqual({ kind: 'delivered' });
    expect(recorder.entries).toEqual([
      {
        direction: 'outbound',
        at,
        client: '000.00.01.H22',
        service: 'DongBoHoSoMC',
        requestId: create.idempotency.key,
        method: 'POST',
        outcome: 'delivered',
        durationMs: 125,
        health: false,
        requestBody: create.body,
      },
    ]);
    expect(sut.kind).toBe('in-memory');
  });

  it('records a national refusal with its status and code, its message text only with the answer body', async () => {
    inner.sendOutcome = {
      kind: 'rejected',
      status: 200,
      code: '2',
      message: 'Hồ sơ của Nguyễn Văn An đã tồn tại',
    };
    await sut.send(create);
    expect(recorder.entries[0]).toMatchObject({
      outcome: 'rejected',
      status: 200,
      detail: 'error_code 2',
      responseBody: { error_code: '2', message: 'Hồ sơ của Nguyễn Văn An đã tồn tại' },
    });
    // the signed metadata (copied to lgsp.audit) never carries the text, which may name the applicant
    const metadata = { ...recorder.entries[0], responseBody: undefined, requestBody: undefined };
    expect(JSON.stringify(metadata)).not.toContain('Nguyễn');
  });

  it.each<[CallOutcome, Partial<ExchangeEntry>]>([
    [
      { kind: 'unavailable', reason: 'HTTP 503', retryAfterMs: 5000 },
      { outcome: 'unavailable', detail: 'HTTP 503' },
    ],
    [
      { kind: 'unknown', reason: 'ECONNRESET: socket hang up' },
      { outcome: 'unknown', detail: 'ECONNRESET: socket hang up' },
    ],
    [
      { kind: 'unauthorized', message: 'session expired' },
      { outcome: 'unauthorized', status: 401 },
    ],
  ])('records the %j outcome as %j', async (outcome, expected) => {
    inner.sendOutcome = outcome;
    expect(await sut.send(create)).toEqual(outcome);
    expect(recorder.entries[0]).toMatchObject(expected);
  });

  it('records a login without any body: never the password nor the session', async () => {
    await sut.login();
    expect(recorder.entries).toHaveLength(1);
    const [entry] = recorder.entries;
    expect(entry).toMatchObject({ service: 'login', outcome: 'delivered', durationMs: 40, health: false });
    expect(entry.requestBody).toBeUndefined();
    expect(entry.responseBody).toBeUndefined();
    expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records a lookup with the dossier asked for and what the national side holds', async () => {
    const view: NationalDossierView = {
      exists: true,
      progress: [
        { TrangThai: '1', ThoiDiemXuLy: '20260302081530', NguoiXuLy: 'Nguyễn Văn An', NoiDungXuLy: 'Nộp' },
      ],
    };
    inner.lookupResult = { kind: 'found', view };
    expect(await sut.lookup(code)).toEqual({ kind: 'found', view });
    expect(recorder.entries[0]).toMatchObject({
      service: 'TraCuuHoSo',
      outcome: 'delivered',
      requestBody: { MaHoSo: code },
      responseBody: view,
    });
  });

  it('records a failed lookup with its outcome and no answer body', async () => {
    inner.lookupResult = { kind: 'failed', outcome: { kind: 'unavailable', reason: 'ECONNREFUSED' } };
    await sut.lookup(code);
    expect(recorder.entries[0]).toMatchObject({ service: 'TraCuuHoSo', outcome: 'unavailable' });
    expect(recorder.entries[0].responseBody).toBeUndefined();
  });

  it('does not report an exchange the log could not record as done: it rejects with the log error', async () => {
    recorder.failWith = new Error('LGSP_ERR_NATIONAL_LOG_UNAVAILABLE: store down');
    await expect(sut.send(create)).rejects.toThrow('store down');
    // the call itself went out once: the loop decides when to try again
    expect(inner.asked).toEqual(['DongBoHoSoMC']);
  });

  it('closes the adapter it wraps without recording anything', async () => {
    await sut.close();
    expect(inner.closed).toBe(true);
    expect(recorder.entries).toEqual([]);
  });
});
