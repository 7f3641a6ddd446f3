/** Paces work to at most `ratePerSecond` units per second, measured from the first take. */
export class RateLimiter {
  private started?: number;
  private taken = 0;

  constructor(
    readonly ratePerSecond: number,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('the rate must be above 0');
  }

  /** Waits until `units` more fit under the rate. */
  async take(units: number): Promise<void> {
    this.started ??= this.now();
    this.taken += units;
    const due = this.started + ((this.taken - units) / this.ratePerSecond) * 1000;
    const wait = due - this.now();
    if (wait > 0) await this.sleep(wait);
  }
}
