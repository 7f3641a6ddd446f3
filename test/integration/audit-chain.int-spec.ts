import { Client } from 'pg';
import { AuditChain, verifyChains, type ChainedEntry } from '@lgsp/audit';
import { Topics } from '@lgsp/contracts';
import { createKafka, ensureTopics, EventProducer, loadKafkaSettings } from '@lgsp/kafka';
import { openDatabase, type Database } from '@lgsp/store';
import { endOffsets, readToEnd } from '@lgsp/testing';

/**
 * The audit chain with several writers on one store (gateway replicas on one PostgreSQL; on PGlite,
 * two chains over one embedded database), each batching its own concurrent appends: one chain, no
 * gap, no fork, every entry in lgsp.audit too.
 */
describe('audit chain, concurrent writers (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'audit-chain-test');
  const kafka = createKafka(settings);
  const producer = new EventProducer(kafka);
  const handles: Database[] = [];
  let dropDatabase: (() => Promise<void>) | undefined;

  /** A store of its own: a new database on the PostgreSQL server under test, else in-memory PGlite. */
  async function openStores(): Promise<[Database, Database]> {
    const url = process.env.DATABASE_URL;
    if (!url) {
      const db = await openDatabase({ pgliteDir: 'memory' });
      handles.push(db);
      return [db, db];
    }
    const name = `lgsp_audit_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const own = new URL(url);
    own.pathname = `/${name}`;
    const a = await openDatabase({ databaseUrl: own.toString(), pgliteDir: 'memory' });
    const b = await openDatabase({ databaseUrl: own.toString(), pgliteDir: 'memory' });
    handles.push(a, b);
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    };
    return [a, b];
  }

  beforeAll(async () => {
    await ensureTopics(kafka, settings);
    await producer.connect();
  }, 60_000);
  afterAll(async () => {
    await producer.disconnect();
    for (const db of handles) await db.close();
    await dropDatabase?.();
  });

  it('keeps one unbroken chain when two writers append concurrently', async () => {
    const [storeA, storeB] = await openStores();
    const auditFrom = await endOffsets(kafka, Topics.audit);
    const a = new AuditChain(storeA, producer, 'test-subject-key');
    const b = new AuditChain(storeB, producer, 'test-subject-key');
    await a.migrate();
    await b.migrate();
    const read = (writer: string, i: number) => ({
      consumer: { id: writer, name: writer },
      purpose: 'public-service',
      operationName: 'Q',
      queryHash: `${i}`.padStart(64, '0'),
      domains: ['dossier'],
      fields: ['Citizen.personalId'],
      masked: [],
      citizens: [`0012030${String(i).padStart(5, '0')}`],
      records: [],
    });
    const written: ChainedEntry[] = [];
    for (let round = 0; round < 3; round++)
      written.push(
        ...(await Promise.all([
          ...Array.from({ length: 40 }, (_, i) => a.append(read('writer-a', round * 100 + i))),
          ...Array.from({ length: 40 }, (_, i) => b.append(read('writer-b', round * 100 + i))),
        ])),
      );

    expect(new Set(written.map((e) => e.seq)).size).toBe(240);
    expect(new Set(written.map((e) => e.chain)).size).toBe(1);
    const stored = await a.entries();
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    await expect(a.verify()).resolves.toEqual({ ok: true, entries: 240 });
    await expect(b.verify()).resolves.toEqual({ ok: true, entries: 240 });

    const chain = written[0].chain;
    const published = (await readToEnd(kafka, Topics.audit, auditFrom))
      .map((r) => JSON.parse(r.value ?? '{}') as ChainedEntry)
      .filter((e) => e.chain === chain);
    expect(published).toHaveLength(240);
    expect(verifyChains(published)).toEqual([{ chain, verdict: { ok: true, entries: 240 } }]);
  }, 60_000);
});
