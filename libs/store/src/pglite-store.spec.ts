import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, type Database } from './database';

const names = async (db: Database, schema: string): Promise<string[]> =>
  (await db.query<{ name: string }>(`SELECT name FROM ${schema}.items ORDER BY name`)).rows.map(
    (r) => r.name,
  );

// PGlite creates a database in seconds on a quiet machine, much more on a busy one.
jest.setTimeout(180_000);

describe('openDatabase on a PGlite folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the services of one process naming one folder one database, each in its own schema', async () => {
    const ingest = await openDatabase({ pgliteDir: dir });
    const dossier = await openDatabase({ pgliteDir: dir });
    await migrate(ingest, 'ingest', ['CREATE TABLE ingest.items (name text PRIMARY KEY)']);
    await migrate(dossier, 'dossier', ['CREATE TABLE dossier.items (name text PRIMARY KEY)']);
    await ingest.query(`INSERT INTO ingest.items VALUES ('receipt')`);
    await dossier.transaction((tx) => tx.query(`INSERT INTO dossier.items VALUES ('dossier')`));

    // one database: each sees the other's schema (PGlite could not open the folder twice)
    expect(await names(dossier, 'ingest')).toEqual(['receipt']);
    expect(await names(ingest, 'dossier')).toEqual(['dossier']);

    // closing one leaves the other working, and the closed handle refuses work as a closed database does
    await ingest.close();
    await ingest.close();
    await expect(ingest.query('SELECT 1')).rejects.toThrow('closed');
    expect(await names(dossier, 'ingest')).toEqual(['receipt']);

    // the last close closes the instance; the folder opens again with its data
    await dossier.close();
    await expect(dossier.query('SELECT 1')).rejects.toThrow('closed');
    const again = await openDatabase({ pgliteDir: dir });
    try {
      expect(await names(again, 'ingest')).toEqual(['receipt']);
      expect(await names(again, 'dossier')).toEqual(['dossier']);
    } finally {
      await again.close();
    }
  });

  it('keeps PGlite small: shared buffers of 16 MB rather than its default 128 MB', async () => {
    const db = await openDatabase({ pgliteDir: dir });
    try {
      const { rows } = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0].shared_buffers).toBe('16MB');
    } finally {
      await db.close();
    }
  });
});

describe('openDatabase in memory', () => {
  it('gives each open a database of its own', async () => {
    const a = await openDatabase({ pgliteDir: 'memory' });
    const b = await openDatabase({ pgliteDir: 'memory' });
    try {
      await migrate(a, 'ingest', ['CREATE TABLE ingest.items (name text PRIMARY KEY)']);
      await expect(b.query('SELECT name FROM ingest.items')).rejects.toThrow('does not exist');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
