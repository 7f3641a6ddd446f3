import { DvcqgRestAdapter, reconcile, type DvcqgRestSettings, type NationalCall } from '@lgsp/national';
import type { RunningApp } from '@lgsp/platform';
import type { NationalSim } from './national-sim.service';
import {
  closedPort,
  code,
  deliverAll,
  dvcqgSettings,
  plannedCalls,
  reconcileCreate,
  startSimForTest,
} from './sim-fixtures.spec-helper';

describe('the national simulator and the DVCQG REST adapter', () => {
  let running: RunningApp & { sim: NationalSim };
  let sim: NationalSim;
  let adapter: DvcqgRestAdapter;
  const calls = plannedCalls();
  const [create, firstStep, replace, secondStep] = calls;

  const settings = (overrides: Partial<DvcqgRestSettings> = {}) => dvcqgSettings(running.url, overrides);

  beforeAll(async () => {
    running = await startSimForTest();
    sim = running.sim;
  });
  afterAll(() => running.close());

  beforeEach(async () => {
    await sim.reset();
    await adapter?.close();
    adapter = new DvcqgRestAdapter(settings());
    expect(await adapter.login()).toEqual({ kind: 'delivered' });
  });

  it('keeps a created dossier and its steps in order, queryable in process and over HTTP', async () => {
    const held = await deliverAll(adapter, sim);

    const overHttp = (await (await fetch(`${running.url}/sim/dossiers/${code}`)).json()) as typeof held;
    expect(overHttp).toEqual(held);
    const log = (await (await fetch(`${running.url}/sim/calls?MaHoSo=${code}`)).json()) as {
      calls: { service: string; result: string; idempotencyKey: string }[];
    };
    expect(log.calls.map((c) => [c.service, c.result])).toEqual([
      ['DongBoHoSoMC', 'applied'],
      ['CapNhatTienDoHoSoMC', 'applied'],
      ['DongBoHoSoMC', 'applied'],
      ['CapNhatTienDoHoSoMC', 'applied'],
    ]);
    expect(log.calls.map((c) => c.idempotencyKey)).toEqual(calls.map((c) => c.idempotency.key));
    expect(JSON.stringify(log)).not.toContain('province-password');
    expect((await fetch(`${running.url}/sim/dossiers/unknown`)).status).toBe(404);
  });

  it('a retry after a dropped response makes no second record and no second step', async () => {
    await sim.setFaults({ drop: { count: 1 } });
    expect((await adapter.send(create)).kind).toBe('unknown');
    expect(sim.state.dossier(code)).toBeDefined(); // processed before the answer was lost
    expect(await adapter.send(create)).toEqual({ kind: 'delivered' });

    // the bridge's own path after an unknown outcome: look, reconcile, send the create as a replace
    await reconcileCreate(adapter, create);

    await sim.setFaults({ drop: { count: 1 } });
    expect((await adapter.send(firstStep)).kind).toBe('unknown');
    expect(await adapter.send(firstStep)).toEqual({ kind: 'delivered' });
    const view = await adapter.lookup(code);
    expect(view.kind === 'found' && reconcile(firstStep, view.view).kind).toBe('skip');

    expect(sim.state.dossier(code)?.progress).toHaveLength(1);
    expect(sim.state.calls({ MaHoSo: code }).map((c) => c.result)).toEqual([
      'applied', // dropped
      'replayed',
      'applied', // lookup
      'replayed', // the reconciled replace carries the create's key
      'applied', // dropped
      'replayed',
      'applied', // lookup
    ]);
    expect(sim.state.calls({ MaHoSo: code }).filter((c) => c.dropped)).toHaveLength(2);
  });

  it('answers as the national side would without a key: a second create is refused, a step sent twice is two', async () => {
    expect(await adapter.send(create)).toEqual({ kind: 'delivered' });
    const again = { ...create, idempotency: { key: 'another-key', scope: 'test' } };
    expect(await adapter.send(again)).toMatchObject({ kind: 'rejected', status: 200, code: '2' });
    const unkeyed = { ...firstStep, idempotency: { key: '', scope: 'test' } };
    await adapter.send(unkeyed);
    await adapter.send(unkeyed);
    expect(sim.state.dossier(code)?.progress).toHaveLength(2);
    const orphan = {
      ...replace,
      dossierCode: 'other',
      body: { ...replace.body, data: [{ MaHoSo: 'other' }] },
    };
    expect(await adapter.send(orphan as NationalCall)).toMatchObject({ kind: 'rejected', code: '3' });
  });

  it('downtime is the adapter outage outcome; commanded over HTTP, processing nothing', async () => {
    const command = async (body: unknown): Promise<number> =>
      (
        await fetch(`${running.url}/sim/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).status;

    expect(await command({ downtime: { forMs: 60_000, retryAfterSeconds: 7 } })).toBe(200);
    expect(await adapter.send(create)).toEqual({
      kind: 'unavailable',
      reason: 'HTTP 503',
      retryAfterMs: 7000,
    });
    expect(await command({ downtime: { forMs: 60_000, mode: 'reset' } })).toBe(200);
    expect((await adapter.send(create)).kind).toBe('unknown');
    expect(sim.state.dossier(code)).toBeUndefined();

    expect(await command({ error: { status: 429, retryAfterSeconds: 2, count: 1 } })).toBe(200);
    expect(await adapter.send(create)).toMatchObject({ kind: 'unavailable', retryAfterMs: 2000 });
    expect(await command({ error: { status: 502, count: 1 } })).toBe(200);
    expect(await adapter.send(create)).toMatchObject({ kind: 'unknown', reason: 'HTTP 502' });
    expect(await command({ error: { status: 200, errorCode: '99', count: 1 } })).toBe(200);
    expect(await adapter.send(create)).toMatchObject({ kind: 'rejected', code: '99' });
    expect(sim.state.dossier(code)).toBeUndefined();
    expect(await command({ error: { status: 200 } })).toBe(400);

    // refused connections: the listener stops, and starts again on the same port when the downtime ends
    expect(await command({ downtime: { forMs: 60_000, mode: 'refuse' } })).toBe(200);
    expect(await adapter.send(create)).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    await sim.setFaults({ downtime: { forMs: 300, mode: 'refuse' } });
    expect((await adapter.send(create)).kind).toBe('unavailable');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await adapter.send(create)).toEqual({ kind: 'delivered' });
    expect(sim.state.calls({ MaHoSo: code }).filter((c) => c.result === 'applied')).toHaveLength(1);

    expect(await command({ latency: { ms: 150, count: 1 } })).toBe(200);
    const started = Date.now();
    expect(await adapter.send(firstStep)).toEqual({ kind: 'delivered' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const refused = new DvcqgRestAdapter(settings({ baseUrl: `http://127.0.0.1:${await closedPort()}` }));
    expect(await refused.login()).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    const slow = new DvcqgRestAdapter(settings({ timeoutMs: 100 }));
    await sim.setFaults({ latency: { ms: 400, count: 1 } });
    expect((await slow.login()).kind).toBe('unknown');
  });

  it('an expired session is unauthorized until the adapter logs in again; a bad account is refused', async () => {
    expect(await adapter.send(create)).toEqual({ kind: 'delivered' });
    sim.state.expireSessions();
    expect(await adapter.send(firstStep)).toMatchObject({ kind: 'unauthorized' });
    expect(adapter.loggedIn).toBe(false);
    expect(await adapter.send(firstStep)).toEqual({ kind: 'unauthorized', message: 'not logged in' });
    expect(await adapter.login()).toEqual({ kind: 'delivered' });
    expect(await adapter.send(firstStep)).toEqual({ kind: 'delivered' });
    expect(await adapter.send(replace)).toEqual({ kind: 'delivered' });
    expect(await adapter.send(secondStep)).toEqual({ kind: 'delivered' });
    expect(sim.state.dossier(code)?.progress.map((s) => s.TrangThai)).toEqual(['1', '2']);

    const wrong = new DvcqgRestAdapter(settings({ password: 'wrong' }));
    expect(await wrong.login()).toMatchObject({ kind: 'rejected', code: '4' });
    expect(JSON.stringify(sim.state.calls())).not.toMatch(/province-password|wrong/);
  });
});
