import type { EventProducer } from '@lgsp/kafka';
import {
  planDelivery,
  progressFingerprint,
  type CallOutcome,
  type DossierEvent,
  type DossierRecord,
  type NationalAdapter,
  type NationalCall,
  type NationalDossierView,
  type TienDoHoSo,
} from '@lgsp/national';
import { createLogger, MetricsRegistry } from '@lgsp/observability';
import { dossierLifecycle, uniqueDossierCode } from '@lgsp/samples';
import { migrate, openDatabase, type Database } from '@lgsp/store';
import { BridgeMetrics } from './bridge.metrics';
import { DeliveryLoop, publicError } from './delivery-loop.service';
import { SYNC_SCHEMA, syncMigrations, SyncRepository } from './sync.repository';

/** The national side in memory: answers from a script (then `delivered`), keeps what it applied. */
class InMemoryNationalAdapter implements NationalAdapter {
  readonly kind = 'in-memory' as const;
  readonly sent: NationalCall[] = [];
  readonly applied: NationalCall[] = [];
  lookups = 0;

  constructor(private readonly script: ((call: NationalCall) => CallOutcome | 'applied-unknown')[] = []) {}

  login(): Promise<CallOutcome> {
    return Promise.resolve({ kind: 'delivered' });
  }

  send(call: NationalCall): Promise<CallOutcome> {
    this.sent.push(call);
    const next = this.script.shift()?.(call) ?? { kind: 'delivered' };
    if (next === 'applied-unknown') {
      this.applied.push(call);
      return Promise.resolve({ kind: 'unknown', reason: 'ECONNRESET: socket hang up' });
    }
    if (next.kind === 'delivered') this.applied.push(call);
    return Promise.resolve(next);
  }

  lookup(): Promise<{ kind: 'found'; view: NationalDossierView }> {
    this.lookups++;
    const steps = this.applied.filter((c) => c.kind === 'progress').map((c) => c.body.data[0] as TienDoHoSo);
    return Promise.resolve({
      kind: 'found',
      view: { exists: this.applied.some((c) => c.kind === 'create'), progress: steps },
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe(DeliveryLoop.name, () => {
  let db: Database;
  let repository: SyncRepository;
  const deadLetters: unknown[] = [];
  const producer = {
    sendRaw: (topic: string, records: unknown[]) => {
      deadLetters.push(...records.map((r) => ({ topic, ...(r as object) })));
      return Promise.resolve();
    },
  } as unknown as EventProducer;

  beforeAll(async () => {
    db = await openDatabase({ pgliteDir: 'memory' });
    repository = new SyncRepository(db);
    await migrate(db, SYNC_SCHEMA, syncMigrations);
  }, 60_000);
  afterAll(() => db.close());

  /** Plans `events` of a new dossier into the ledger, as the consumer does. */
  const plan = async (count: number): Promise<string> => {
    const code = uniqueDossierCode();
    let record: DossierRecord | undefined;
    const calls: { code: string; seq: number; call: NationalCall }[] = [];
    for (const e of dossierLifecycle(code, 1).slice(0, count)) {
      const p = planDelivery(record, { id: e.id, type: e.type, data: e.data } as DossierEvent, {
        systemActor: 'Hệ thống',
      });
      if (p.kind !== 'deliver') throw new Error(p.kind);
      record = p.record;
      for (const call of p.calls) calls.push({ code, seq: calls.length, call });
    }
    await repository.transaction((tx) =>
      repository.savePlanned(
        tx,
        [{ code, record: record as DossierRecord, nextSeq: calls.length, added: calls.length }],
        calls,
      ),
    );
    return code;
  };

  const run = async (
    adapter: NationalAdapter,
    code: string,
    breaker = { failureThreshold: 2, openMs: 30 },
  ) => {
    const sut = new DeliveryLoop(
      adapter,
      {
        retry: { baseMs: 1, maxMs: 5, multiplier: 2, jitter: 'full', maxAttempts: 3 },
        breaker: { halfOpenProbes: 1, successThreshold: 1, ...breaker },
        concurrency: 4,
        consumerGroup: 'lgsp-national-bridge-spec',
      },
      repository,
      producer,
      new BridgeMetrics(new MetricsRegistry('spec'), repository),
      createLogger('spec', 'silent'),
    );
    await sut.onApplicationBootstrap();
    sut.wake([code]);
    for (let i = 0; i < 3000 && sut.activeDossiers > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await sut.onApplicationShutdown();
    return (await repository.dossiers([code])).get(code);
  };

  it('does not count tries refused by the open circuit or failed probes: a long outage parks nothing', async () => {
    const code = await plan(1);
    const down = (): CallOutcome => ({ kind: 'unavailable', reason: 'HTTP 503' });
    const adapter = new InMemoryNationalAdapter(Array.from({ length: 8 }, () => down));
    const d = await run(adapter, code);
    expect(adapter.sent.length).toBe(10); // 8 failures, then the two calls
    expect(d).toMatchObject({ openCalls: 0, parked: false, attempts: 4, lastError: null });
  }, 60_000);

  it('takes up no waiting dossier while the circuit is open, and only the probe while it is half-open', async () => {
    const codes = await Promise.all(Array.from({ length: 60 }, () => plan(1)));
    const down = (): CallOutcome => ({ kind: 'unavailable', reason: 'HTTP 503' });
    const adapter = new InMemoryNationalAdapter(Array.from({ length: 6 }, () => down));
    const sut = new DeliveryLoop(
      adapter,
      {
        retry: { baseMs: 1, maxMs: 5, multiplier: 2, jitter: 'full', maxAttempts: 50 },
        breaker: { halfOpenProbes: 1, successThreshold: 1, failureThreshold: 2, openMs: 200 },
        concurrency: 4,
        consumerGroup: 'lgsp-national-bridge-spec',
      },
      repository,
      producer,
      new BridgeMetrics(new MetricsRegistry('spec-open'), repository),
      createLogger('spec', 'silent'),
    );
    // How often a dossier is taken up; with the circuit open each of them used to be, round after round.
    const takenUp: string[] = [];
    const internals = sut as unknown as { deliverHead(code: string): Promise<number | undefined> };
    const deliverHead = internals.deliverHead.bind(sut);
    internals.deliverHead = (code) => {
      takenUp.push(sut.breaker.state);
      return deliverHead(code);
    };
    await sut.onApplicationBootstrap();
    sut.wake(codes);
    for (let i = 0; i < 3000 && sut.activeDossiers > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await sut.onApplicationShutdown();
    expect(takenUp.filter((state) => state === 'open')).toEqual([]);
    // every dossier delivered in the end, each taken up a bounded number of times
    const states = await repository.dossiers(codes);
    expect([...states.values()].filter((d) => d.openCalls !== 0)).toEqual([]);
    expect(takenUp.length).toBeLessThan(codes.length * 4);
  }, 60_000);

  it('looks first after a try whose outcome the store could not record: no second national record', async () => {
    const code = await plan(1);
    const adapter = new InMemoryNationalAdapter();
    const finish = repository.finish.bind(repository);
    let failures = 1;
    repository.finish = (...args: Parameters<SyncRepository['finish']>) =>
      failures-- > 0 ? Promise.reject(new Error('store down (test)')) : finish(...args);
    try {
      const d = await run(adapter, code);
      expect(d).toMatchObject({ openCalls: 0, parked: false });
    } finally {
      repository.finish = finish;
    }
    expect(adapter.lookups).toBe(1);
    // the create went once; after the lookup found the record it was sent again as a replace (isUpdating True)
    const records = adapter.applied.filter((c) => c.body.service === 'DongBoHoSoMC');
    expect(records.map((c) => (c.body as { isUpdating: string }).isUpdating)).toEqual(['False', 'True']);
  }, 60_000);

  it('looks before sending again after an unknown outcome: a step already applied is not sent twice', async () => {
    const code = await plan(2);
    const adapter = new InMemoryNationalAdapter([
      () => ({ kind: 'delivered' }),
      () => 'applied-unknown', // the first step is applied, its answer lost
    ]);
    const d = await run(adapter, code);
    expect(adapter.lookups).toBe(1);
    const steps = adapter.applied.filter((c) => c.kind === 'progress');
    expect(steps.map((c) => c.eventId)).toEqual([...new Set(steps.map((c) => c.eventId))]);
    expect(steps.map((c) => progressFingerprint(c.body.data[0] as TienDoHoSo))).toHaveLength(2);
    expect(d).toMatchObject({ openCalls: 0, parked: false });
  }, 60_000);

  it('parks a refused call in lgsp.dlq and holds the later calls of its dossier', async () => {
    const code = await plan(3);
    const adapter = new InMemoryNationalAdapter([
      () => ({ kind: 'delivered' }),
      () => ({ kind: 'rejected', status: 200, code: '5', message: 'Nguyễn Văn An: sai dữ liệu' }),
    ]);
    const d = await run(adapter, code);
    expect(adapter.sent).toHaveLength(2);
    expect(d).toMatchObject({ openCalls: 5, parked: true, lastError: 'rejected, HTTP 200, error_code 5' });
    expect(deadLetters.at(-1)).toMatchObject({
      topic: 'lgsp.dlq',
      key: code,
      headers: {
        lgsp_dlq_original_topic: 'lgsp.national.redrive',
        lgsp_dlq_original_partition: '0',
        lgsp_dlq_error_code: 'LGSP_ERR_NATIONAL_REJECTED',
        lgsp_national_call: `${code}#1`,
      },
    });
    expect(await repository.unpark(code, 1)).toBe(true);
    expect(await repository.unpark(code, 1)).toBe(false);
    const again = await run(new InMemoryNationalAdapter(), code);
    expect(again).toMatchObject({ openCalls: 0, parked: false, failingSince: null });
  }, 60_000);
});

describe(publicError.name, () => {
  it.each<[CallOutcome, string]>([
    [
      { kind: 'rejected', status: 200, code: '2', message: 'Hồ sơ của Nguyễn Văn An đã tồn tại' },
      'rejected, HTTP 200, error_code 2',
    ],
    [{ kind: 'unavailable', reason: 'HTTP 503', retryAfterMs: 1000 }, 'unavailable: HTTP 503'],
    [{ kind: 'unknown', reason: 'ECONNRESET: socket hang up' }, 'unknown: ECONNRESET'],
    [{ kind: 'unknown', reason: 'the lookup answer could not be read' }, 'unknown'],
    [{ kind: 'unauthorized', message: 'phiên của 001203004567 hết hạn' }, 'unauthorized'],
  ])('keeps the kind and codes of %j, never its text', (outcome, shown) => {
    expect(publicError(outcome)).toBe(shown);
  });
});
