import { ConfigError } from '@lgsp/core';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker';

const options: CircuitBreakerOptions = {
  failureThreshold: 3,
  openMs: 1000,
  halfOpenProbes: 1,
  successThreshold: 2,
};

function setup(overrides: Partial<CircuitBreakerOptions> = {}) {
  let now = 0;
  const transitions: string[] = [];
  const sut = new CircuitBreaker(
    { ...options, ...overrides },
    () => now,
    (from: CircuitState, to: CircuitState) => transitions.push(`${from}->${to}`),
  );
  const fail = (n = 1) => {
    for (let i = 0; i < n; i++) sut.tryAcquire()?.failed();
  };
  return { sut, transitions, fail, advance: (ms: number) => (now += ms) };
}

describe(CircuitBreaker.name, () => {
  it('stays closed below the threshold of consecutive failures', () => {
    const { sut, fail } = setup();
    fail(2);
    expect(sut.state).toBe('closed');
    expect(sut.tryAcquire()).toBeDefined();
  });

  it('a success in between resets the count: only consecutive failures open it', () => {
    const { sut, fail } = setup();
    fail(2);
    sut.tryAcquire()?.succeeded();
    fail(2);
    expect(sut.state).toBe('closed');
  });

  it('opens at the threshold and lets nothing through while open', () => {
    const { sut, fail, transitions } = setup();
    fail(3);
    expect(sut.state).toBe('open');
    expect(sut.tryAcquire()).toBeUndefined();
    expect(sut.retryInMs()).toBe(1000);
    expect(transitions).toEqual(['closed->open']);
  });

  it('turns half-open when openMs has passed, not before', () => {
    const { sut, fail, advance } = setup();
    fail(3);
    advance(999);
    expect(sut.state).toBe('open');
    expect(sut.retryInMs()).toBe(1);
    advance(1);
    expect(sut.state).toBe('half-open');
    expect(sut.retryInMs()).toBe(0);
  });

  it('half-open lets only halfOpenProbes calls through at once, marked as probes', () => {
    const { sut, fail, advance } = setup({ halfOpenProbes: 2 });
    fail(3);
    advance(1000);
    const first = sut.tryAcquire();
    const second = sut.tryAcquire();
    expect(first?.probe).toBe(true);
    expect(second?.probe).toBe(true);
    expect(sut.tryAcquire()).toBeUndefined();
  });

  it('closes after successThreshold probe successes', () => {
    const { sut, fail, advance, transitions } = setup();
    fail(3);
    advance(1000);
    sut.tryAcquire()?.succeeded();
    expect(sut.state).toBe('half-open');
    sut.tryAcquire()?.succeeded();
    expect(sut.state).toBe('closed');
    expect(sut.tryAcquire()?.probe).toBe(false);
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('one failed probe opens it again for a full openMs', () => {
    const { sut, fail, advance } = setup();
    fail(3);
    advance(1000);
    sut.tryAcquire()?.failed();
    expect(sut.state).toBe('open');
    advance(999);
    expect(sut.tryAcquire()).toBeUndefined();
    advance(1);
    expect(sut.state).toBe('half-open');
  });

  it('after closing, counts failures from zero again', () => {
    const { sut, fail, advance } = setup();
    fail(3);
    advance(1000);
    sut.tryAcquire()?.succeeded();
    sut.tryAcquire()?.succeeded();
    fail(2);
    expect(sut.state).toBe('closed');
  });

  it('ignores the result of a call that was let through before the last transition', () => {
    const { sut, fail } = setup();
    const slow = sut.tryAcquire();
    fail(3);
    expect(sut.state).toBe('open');
    slow?.succeeded();
    expect(sut.state).toBe('open');
  });

  it('a permit is settled once', () => {
    const { sut } = setup();
    const permit = sut.tryAcquire();
    permit?.succeeded();
    expect(() => permit?.failed()).toThrow('settled once');
  });

  it.each([
    [{ failureThreshold: 0 }, 'failureThreshold'],
    [{ halfOpenProbes: 1.5 }, 'halfOpenProbes'],
    [{ successThreshold: -1 }, 'successThreshold'],
    [{ openMs: 0 }, 'openMs'],
  ])('refuses options %p', (bad, field) => {
    expect(() => new CircuitBreaker({ ...options, ...bad })).toThrow(ConfigError);
    expect(() => new CircuitBreaker({ ...options, ...bad })).toThrow(field);
  });
});
