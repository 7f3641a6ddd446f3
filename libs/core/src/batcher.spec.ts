import { MicroBatcher } from './batcher';

describe(MicroBatcher.name, () => {
  it('groups concurrent calls into one flush and gives each caller its own result', async () => {
    const flushes: number[][] = [];
    const sut = new MicroBatcher<number, number>(async (items) => {
      flushes.push(items);
      return items.map((i) => i * 2);
    });
    await expect(Promise.all([1, 2, 3].map((n) => sut.add(n)))).resolves.toEqual([2, 4, 6]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('flushes early at the size limit and rejects every caller of a failed flush', async () => {
    const sizes: number[] = [];
    const sut = new MicroBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      if (items.includes(3)) throw new Error('boom');
      return items;
    }, 2);
    const results = await Promise.allSettled([1, 2, 3].map((n) => sut.add(n)));
    expect(sizes).toEqual([2, 1]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });
});

describe(`${MicroBatcher.name} (serial)`, () => {
  it('never runs two flushes at once, and sends what arrived meanwhile as one batch', async () => {
    const flushes: number[][] = [];
    let running = 0;
    let overlapped = false;
    let release!: () => void;
    const firstHeld = new Promise<void>((r) => (release = r));
    const sut = new MicroBatcher<number, number>(
      async (items) => {
        running++;
        overlapped ||= running > 1;
        flushes.push(items);
        if (flushes.length === 1) await firstHeld;
        running--;
        return items;
      },
      1000,
      true,
    );
    const first = sut.add(1);
    await new Promise((r) => setImmediate(r)); // the first flush is now in flight
    const later = [2, 3, 4].map((n) => sut.add(n));
    await new Promise((r) => setImmediate(r));
    expect(flushes).toEqual([[1]]); // the others wait for it
    release();
    await expect(Promise.all([first, ...later])).resolves.toEqual([1, 2, 3, 4]);
    expect(flushes).toEqual([[1], [2, 3, 4]]);
    expect(overlapped).toBe(false);
  });

  it('goes on after a failed flush', async () => {
    const sut = new MicroBatcher<number, number>(
      async (items) => {
        if (items.includes(1)) throw new Error('boom');
        return items;
      },
      1000,
      true,
    );
    await expect(sut.add(1)).rejects.toThrow('boom');
    await expect(sut.add(2)).resolves.toBe(2);
  });
});
