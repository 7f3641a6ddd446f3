import { Pool, type PoolClient } from 'pg';
import { optional, str, type Env } from '@lgsp/core';
import { openMemoryPglite, openSharedPglite } from './pglite-store';

/** What the hub needs of SQL: parameterised queries and transactions. PostgreSQL and PGlite both give it. */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Where the store reports connection trouble it recovers from by itself (never the connection string). */
export type StoreLog = (level: 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

const stderrLog: StoreLog = (level, msg, fields) =>
  process.stderr.write(`${JSON.stringify({ level, msg, ...fields })}\n`);

/** What may be logged of a connection error: its code and message, which carry no credentials. */
function describe(error: unknown): Record<string, unknown> {
  const e = error as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : undefined, error: String(e?.message ?? error) };
}

export interface StoreSettings {
  /** postgres://… when set; otherwise PGlite */
  databaseUrl?: string;
  /**
   * PGlite data folder, one instance per folder in a process (services naming the same folder share it,
   * each in its own schemas); "memory" keeps it in memory, a database of its own for each open
   */
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
  constructor(
    private readonly pool: Pool,
    private readonly log: StoreLog,
  ) {}

  async query<T extends object>(text: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const result = await this.pool.query(text, params);
    return { rows: result.rows as T[] };
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    // The pool listens for errors only on idle clients: a checked-out client whose backend is
    // terminated between two statements (a transaction that waits on Kafka, say) would otherwise
    // emit an unhandled 'error' and end the process. The statement in flight fails on its own.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
      this.log('warn', 'database connection lost during a transaction', describe(error));
    };
    client.on('error', onError);
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
      await client.query('ROLLBACK').catch((rollback: Error) => (broken ??= rollback));
      throw error;
    } finally {
      client.removeListener('error', onError);
      // A broken connection is destroyed, not handed to the next caller.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Opens the store. On PostgreSQL a dropped connection (backend terminated, server restarted, network
 * reset) is not fatal: the pool drops that client and later queries open new connections; queries
 * fail meanwhile, so callers retry (the consumer runner) or answer 503 (readiness).
 */
export async function openDatabase(settings: StoreSettings, log: StoreLog = stderrLog): Promise<Database> {
  if (settings.databaseUrl) {
    const pool = new Pool({
      connectionString: settings.databaseUrl,
      max: 10,
      // A server that does not answer fails a query in bounded time instead of holding it.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    // An idle client's connection ended (57P01 and the like): the pool has already removed it.
    pool.on('error', (error) => log('warn', 'idle database connection lost', describe(error)));
    await pool.query('SELECT 1');
    return new PostgresDatabase(pool, log);
  }
  const memory = settings.pgliteDir.endsWith('/memory') || settings.pgliteDir.startsWith('memory');
  return memory ? openMemoryPglite() : openSharedPglite(settings.pgliteDir);
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
