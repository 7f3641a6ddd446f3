import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const db = globalThis.__lgspDatabase;
  if (db) {
    const client = new Client({ connectionString: db.admin });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    await client.end();
  }
  await globalThis.__lgspBroker?.stop();
}
