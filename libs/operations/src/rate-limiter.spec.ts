import { RateLimiter } from './rate-limiter';

describe(RateLimiter.name, () => {
  it('spaces takes so that the rate is never exceeded', async () => {
    let clock = 0;
    const waits: number[] = [];
    const sut = new RateLimiter(
      100,
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    await sut.take(50); // first 50: at once
    await sut.take(50); // may start only after 0.5 s
    await sut.take(100); // after 1 s
    expect(waits).toEqual([500, 500]);
    expect(clock).toBe(1000);
  });

  it('refuses a rate of zero', () => {
    expect(() => new RateLimiter(0)).toThrow('above 0');
  });
});
