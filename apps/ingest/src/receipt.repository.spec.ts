import { randomUUID } from 'node:crypto';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { ReceiptRepository, type Claim } from './receipt.repository';

jest.setTimeout(30_000);

/** Receipts in an in-memory PGlite: who may publish an event id, and what a re-sent one is answered. */
describe(ReceiptRepository.name, () => {
  let db: Database;
  let sut: ReceiptRepository;
  const source = '/000.00.01.H22/igate';
  const delivery = (offset: string) => ({ topic: 'lgsp.dossier.events', partition: 1, offset });
  const tokenOf = (claim: Claim): string => {
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    return claim.token;
  };

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ LGSP_PGLITE_DIR: 'memory' }, 'ingest'));
    sut = new ReceiptRepository(db, { abandonedAfterSeconds: 60 });
    await sut.migrate();
  }, 60_000);
  afterAll(() => db?.close());

  it('lets one publish claim an id; others see it pending, then done with its delivery', async () => {
    const id = randomUUID();
    const token = tokenOf(await sut.claim(source, id, 'digest-a'));
    expect(await sut.claim(source, id, 'digest-b')).toEqual({ kind: 'pending', digest: 'digest-a' });
    await sut.complete(source, id, token, delivery('42'));
    expect(await sut.claim(source, id, 'digest-a')).toEqual({
      kind: 'done',
      digest: 'digest-a',
      delivery: delivery('42'),
    });
  });

  it('gives an id claimed twice in one shared statement to the first claim only', async () => {
    const id = randomUUID();
    const claims = await Promise.all([sut.claim(source, id, 'one'), sut.claim(source, id, 'two')]);
    expect(claims.map((c) => c.kind)).toEqual(['claimed', 'pending']);
    expect(claims[1]).toEqual({ kind: 'pending', digest: 'one' });
  });

  it('frees a claim on release by its holder only', async () => {
    const id = randomUUID();
    const token = tokenOf(await sut.claim(source, id, 'd'));
    await sut.release(source, id, 'another publish');
    expect((await sut.claim(source, id, 'd')).kind).toBe('pending');
    await sut.release(source, id, token);
    expect((await sut.claim(source, id, 'd')).kind).toBe('claimed');
  });

  it('hands a claim left pending too long to the next publish, and ignores the old holder', async () => {
    const impatient = new ReceiptRepository(db, { abandonedAfterSeconds: 0 });
    const id = randomUUID();
    const crashed = tokenOf(await impatient.claim(source, id, 'old'));
    // "Too long" is any age above zero here; the store's clock may tick in milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const taker = tokenOf(await impatient.claim(source, id, 'new'));
    await impatient.complete(source, id, crashed, delivery('1'));
    expect(await sut.claim(source, id, 'new')).toEqual({ kind: 'pending', digest: 'new' });
    await impatient.complete(source, id, taker, delivery('2'));
    expect(await sut.claim(source, id, 'new')).toEqual({
      kind: 'done',
      digest: 'new',
      delivery: delivery('2'),
    });
  });
});
