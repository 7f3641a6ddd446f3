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
