import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

async function onServer(adminUrl: string, work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh database on the PostgreSQL server `adminUrl` reaches, and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid database name ${name}`);
  await onServer(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`).then(() => undefined));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops these databases (closing their connections) on the server `adminUrl` reaches. */
export async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await onServer(adminUrl, async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/** A schema name of the test's own (schema names are letters and underscores only). */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 12)}`;
}
