import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { DossierRepository } from '../../apps/dossier/src/dossier.repository';

/** Regression: history was ordered by seq cast to text, so entry 10 came before entry 9. */
describe('dossier history order (regression: ordered by text seq)', () => {
  let db: Database;
  let sut: DossierRepository;

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ ...process.env, LGSP_PGLITE_DIR: 'memory' }, 'memory'));
    sut = new DossierRepository(db);
    await sut.migrate();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('returns history in the order it was written, past ten entries', async () => {
    const code = `000.00.01.H22-261122-${String(Date.now() % 10_000).padStart(4, '0')}`;
    await sut.transaction(async (tx) => {
      for (let i = 1; i <= 12; i++) {
        await sut.addHistory(tx, {
          code,
          eventId: `e${i}`,
          source: '/test',
          type: 'vn.lgsp.dossier.processing-step.v1',
          status: 4,
          accepted: true,
          occurredAt: new Date(Date.UTC(2026, 10, 22, 0, i)).toISOString(),
          detail: {},
          partition: 0,
          offset: String(i),
        });
      }
    });
    expect((await sut.history(code)).map((h) => h.event_id)).toEqual(
      Array.from({ length: 12 }, (_, i) => `e${i + 1}`),
    );
  });
});
