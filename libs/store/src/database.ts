import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Pool, type PoolClient } from 'pg';
import { optional, str, type Env } from '@lgsp/core';

/** What the hub needs of SQL: parameterised queries and transactions. PostgreSQL and PGlite both give it. */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreSettings {
  /** postgres://… when set; otherwise PGlite */
  databaseUrl?: string;
  /** PGlite data folder; "memory" keeps it in memory */
  pgliteDir: string;
}

export function loadStoreSettings(env: Env, service: string): StoreSettings {
  return {
    databaseUrl: optional(env, 'DATABASE_URL'),
    pgliteDir: str(env, 'LGSP_PGLITE_DIR', `.local/pglite`) + `/${service}`,
  };
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: Pool) {}

  async query<T extends object>(text: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const result = await this.pool.query(text, params);
    return { rows: result.rows as T[] };
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R extends object>(text: string, params?: unknown[]) => ({
          rows: (await client.query(text, params)).rows as R[],
        }),
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  constructor(private readonly db: PGlite) {}

  async query<T extends object>(text: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const result = await this.db.query<T>(text, params);
    return { rows: result.rows };
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) =>
      work({
        query: async <R extends object>(text: string, params?: unknown[]) => ({
          rows: (await t.query<R>(text, params)).rows,
        }),
      }),
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export async function openDatabase(settings: StoreSettings): Promise<Database> {
  if (settings.databaseUrl) {
    const pool = new Pool({ connectionString: settings.databaseUrl, max: 10 });
    await pool.query('SELECT 1');
    return new PostgresDatabase(pool);
  }
  const memory = settings.pgliteDir.endsWith('/memory') || settings.pgliteDir.startsWith('memory');
  if (!memory) mkdirSync(settings.pgliteDir, { recursive: true });
  const db = await PGlite.create(memory ? undefined : settings.pgliteDir);
  return new PgliteDatabase(db);
}

/**
 * Applies numbered migrations once each, in order, inside a transaction, recorded in
 * <schema>.schema_migrations. Each service owns one schema.
 */
export async function migrate(db: Database, schema: string, migrations: string[]): Promise<void> {
  if (!/^[a-z_]+$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const done = new Set(
    (await db.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)).rows.map(
      (r) => r.version,
    ),
  );
  for (const [index, sql] of migrations.entries()) {
    const version = index + 1;
    if (done.has(version)) continue;
    await db.transaction(async (tx) => {
      for (const statement of sql
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean))
        await tx.query(statement);
      await tx.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [version]);
    });
  }
}
