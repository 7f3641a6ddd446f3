import { ConfigError } from '@lgsp/core';

/**
 * A circuit breaker for the national side. Closed: calls go through, consecutive failures are counted. Open
 * (after `failureThreshold` of them): no call goes out for `openMs`, so a national side that is down is not
 * hammered and the bridge's consumers wait instead of burning their retries. Half-open (when openMs has passed):
 * up to `halfOpenProbes` calls go out as probes; `successThreshold` successes close the circuit, one failure opens
 * it again for another openMs.
 *
 * Only failures that say the national side is unavailable count (no answer, 5xx, 429): a national refusal of one
 * dossier is that dossier's problem, not an outage, and is reported with onSuccess (the side answered).
 * Time comes from `now`, injected, so tests move the clock instead of waiting.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  halfOpenProbes: number;
  successThreshold: number;
}

export const DefaultCircuitBreakerOptions: CircuitBreakerOptions = {
  failureThreshold: 5,
  openMs: 30_000,
  halfOpenProbes: 1,
  successThreshold: 2,
};

/** A call let through: report its result with `permit.succeeded()` or `permit.failed()`, exactly once. */
export interface CircuitPermit {
  /** a probe of a half-open circuit: its failure says the side is still down, not that this call is bad */
  readonly probe: boolean;
  succeeded(): void;
  failed(): void;
}

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private successes = 0;
  private openedAt = 0;
  private probesInFlight = 0;
  /** bumped on every transition, so a permit granted before one does not count after it */
  private generation = 0;

  constructor(
    private readonly options: CircuitBreakerOptions = DefaultCircuitBreakerOptions,
    private readonly now: () => number = Date.now,
    private readonly onTransition?: (from: CircuitState, to: CircuitState) => void,
  ) {
    validateCircuitBreakerOptions(options);
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs)
      this.moveTo('half-open');
    return this.current;
  }

  /** Milliseconds until a call may go out again: 0 unless open. */
  retryInMs(): number {
    return this.state === 'open' ? this.openedAt + this.options.openMs - this.now() : 0;
  }

  /** A permit for one call, or undefined when the circuit lets nothing through right now. */
  tryAcquire(): CircuitPermit | undefined {
    const state = this.state;
    if (state === 'open') return undefined;
    if (state === 'half-open') {
      if (this.probesInFlight >= this.options.halfOpenProbes) return undefined;
      this.probesInFlight++;
    }
    return this.permit(state === 'half-open');
  }

  private permit(probe: boolean): CircuitPermit {
    const generation = this.generation;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) throw new Error('CircuitBreaker: a permit is settled once');
      settled = true;
      if (probe && generation === this.generation) this.probesInFlight--;
      // a result from before the last transition says nothing about the circuit now
      if (generation !== this.generation) return;
      if (ok) this.recordSuccess();
      else this.recordFailure();
    };
    return { probe, succeeded: () => settle(true), failed: () => settle(false) };
  }

  private recordSuccess(): void {
    if (this.current === 'half-open') {
      if (++this.successes >= this.options.successThreshold) this.moveTo('closed');
    } else this.failures = 0;
  }

  private recordFailure(): void {
    if (this.current === 'half-open' || ++this.failures >= this.options.failureThreshold) this.moveTo('open');
  }

  private moveTo(next: CircuitState): void {
    const previous = this.current;
    this.current = next;
    this.generation++;
    this.failures = 0;
    this.successes = 0;
    this.probesInFlight = 0;
    if (next === 'open') this.openedAt = this.now();
    this.onTransition?.(previous, next);
  }
}

export function validateCircuitBreakerOptions(
  options: CircuitBreakerOptions,
  source = 'circuit breaker',
): CircuitBreakerOptions {
  for (const name of ['failureThreshold', 'halfOpenProbes', 'successThreshold'] as const)
    if (!Number.isInteger(options[name]) || options[name] < 1)
      throw new ConfigError(`${source}.${name}`, `must be a whole number of 1 or more, got ${options[name]}`);
  if (!Number.isFinite(options.openMs) || options.openMs < 1)
    throw new ConfigError(`${source}.openMs`, `must be 1 or more, got ${options.openMs}`);
  return options;
}
