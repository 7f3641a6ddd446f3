import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database';

/**
 * PGlite's own settings. Its default shared_buffers (128 MB) is most of an instance's memory; the hub's
 * tables are small and the operating system caches the data folder anyway.
 */
const PGLITE_CONF = ['shared_buffers = 16MB'];

/** An open instance and how many handles use it. */
interface Shared {
  instance: Promise<PGlite>;
  users: number;
}

/**
 * One PGlite per data folder in a process: PGlite cannot open a folder twice, and each instance costs
 * some 150 MB, so every service of a process that names the same folder shares one (each in its own
 * schemas). The last handle closed closes the instance.
 */
const open = new Map<string, Shared>();
/** folders whose instance is still closing: a new open waits for it */
const closing = new Map<string, Promise<void>>();

class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private closed = false;

  constructor(
    private readonly db: PGlite,
    private readonly release: () => Promise<void>,
  ) {}

  private live(): PGlite {
    // A shared instance outlives this handle: a closed handle must fail as an unshared one would.
    if (this.closed) throw new Error('PGlite: this database handle is closed');
    return this.db;
  }

  async query<T extends object>(text: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const result = await this.live().query<T>(text, params);
    return { rows: result.rows };
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.live().transaction(async (t) =>
      work({
        query: async <R extends object>(text: string, params?: unknown[]) => ({
          rows: (await t.query<R>(text, params)).rows,
        }),
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }
}

/** A PGlite of its own, in memory: nothing to share (each open is a new, empty database). */
export async function openMemoryPglite(): Promise<Database> {
  const db = await PGlite.create({ postgresqlconf: PGLITE_CONF });
  return new PgliteDatabase(db, () => db.close());
}

/** A handle on the process's PGlite for `dir` (opened on first use, closed with its last handle). */
export async function openSharedPglite(dir: string): Promise<Database> {
  const key = resolve(dir);
  await closing.get(key);
  let shared = open.get(key);
  if (!shared) {
    mkdirSync(key, { recursive: true });
    const created: Shared = { instance: PGlite.create(key, { postgresqlconf: PGLITE_CONF }), users: 0 };
    shared = created;
    open.set(key, created);
    // A failed open is not kept: the next caller tries again.
    created.instance.catch(() => open.get(key) === created && open.delete(key));
  }
  shared.users++;
  let db: PGlite;
  try {
    db = await shared.instance;
  } catch (error) {
    shared.users--;
    throw error;
  }
  const owner = shared;
  return new PgliteDatabase(db, async () => {
    if (--owner.users > 0) return;
    open.delete(key);
    const done = db.close().finally(() => closing.delete(key));
    closing.set(key, done);
    await done;
  });
}
