import { FaultInjector, parseFaults } from './faults';

describe('FaultInjector', () => {
  let now = 0;
  const at = (): number => now;

  it('injects nothing until told, and nothing after a reset', () => {
    const faults = new FaultInjector(at, () => 0);
    expect(faults.decide()).toEqual({ latencyMs: 0, drop: false });
    faults.set({ drop: { rate: 1 }, latency: { ms: 10, rate: 1 } });
    expect(faults.decide()).toEqual({ latencyMs: 10, drop: true });
    faults.reset();
    expect(faults.decide()).toEqual({ latencyMs: 0, drop: false });
  });

  it('hits the next `count` calls, then goes by `rate`', () => {
    let r = 0.5;
    const faults = new FaultInjector(at, () => r);
    faults.set({ drop: { count: 2, rate: 0.3 } });
    expect([faults.decide().drop, faults.decide().drop, faults.decide().drop]).toEqual([true, true, false]);
    r = 0.2;
    expect(faults.decide().drop).toBe(true);
    expect(faults.current().countsLeft.drop).toBe(0);
  });

  it('is down for `forMs` from the command, before any other fault, then up', () => {
    now = 1000;
    const faults = new FaultInjector(at, () => 0);
    faults.set({ downtime: { forMs: 500, retryAfterSeconds: 3 }, error: { status: 500, count: 1 } });
    expect(faults.decide().down).toEqual({ mode: '503', retryAfterSeconds: 3 });
    now = 1499;
    expect(faults.current().downForMs).toBe(1);
    expect(faults.decide().down).toBeDefined();
    now = 1500;
    const up = faults.decide();
    expect(up.down).toBeUndefined();
    expect(up.error).toMatchObject({ status: 500 });
    expect(faults.decide()).toEqual({ latencyMs: 0, drop: false });
  });

  it('refuses a bad command, naming the field, and keeps the faults in force', () => {
    const faults = new FaultInjector(at, () => 0);
    faults.set({ drop: { count: 1 } });
    expect(() => faults.set({ drop: {} })).toThrow('drop: give rate or count');
    expect(faults.current().countsLeft.drop).toBe(1);
    expect(() => parseFaults({ latency: { ms: -1, rate: 1 } })).toThrow('latency.ms');
    expect(() => parseFaults({ error: { status: 200, count: 1 } })).toThrow('error.errorCode');
    expect(() => parseFaults({ downtime: { forMs: 10, mode: 'off' } })).toThrow('downtime.mode');
    expect(() => parseFaults({ flood: {} })).toThrow('faults.flood: unknown fault');
    expect(() => parseFaults({ error: { status: 503, rate: 2 } })).toThrow('error.rate');
    expect(() => parseFaults({ error: { status: 503, xroadError: 'ServiceFailed', count: 1 } })).toThrow(
      'error.xroadError: a Client.* or Server.* type is expected',
    );
    expect(() =>
      parseFaults({ error: { status: 503, xroadError: 'Server.ServerProxy.ServiceFailed', count: 1 } }),
    ).toThrow('error.status: X-Road answers Server.ServerProxy.ServiceFailed with 500');
    expect(parseFaults({ error: { status: 400, xroadError: 'Client.BadRequest', count: 1 } }).error).toEqual({
      status: 400,
      xroadError: 'Client.BadRequest',
      count: 1,
    });
  });
});
