import { dropDatabases } from './databases';

export default async function globalTeardown(): Promise<void> {
  const db = globalThis.__lgspDatabase;
  if (db) await dropDatabases(db.admin, [db.name]);
  await globalThis.__lgspBroker?.stop();
}
