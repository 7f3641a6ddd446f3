import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import {
  AuditChain,
  AuditKeyring,
  createSigner,
  entryHash,
  loadAuditSettings,
  OperatorAudit,
  readAuditTopic,
  repairAuditTrail,
  splitEntry,
  verifyAuditTrail,
  verifyTopicChains,
  type ChainBase,
  type ChainedEntry,
} from '@lgsp/audit';
import { Topics } from '@lgsp/contracts';
import { createKafka, ensureTopics, EventProducer, loadKafkaSettings } from '@lgsp/kafka';
import { openDatabase, type Database } from '@lgsp/store';
import {
  createDatabase,
  dropDatabases,
  endOffsets,
  eventually,
  NetworkSwitch,
  readToEnd,
} from '@lgsp/testing';

const configDir = join(__dirname, '..', '..', 'config');
const devKeys = AuditKeyring.fromFile(join(configDir, 'audit-keys.dev.json'));
// the committed development key, as every service uses it without configuration
const { signer } = loadAuditSettings({});

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

/**
 * The signed audit chain on a real store and the real lgsp.audit: several writers, tampering by
 * someone with database access (rewrite and re-hash, truncate), an unpublished key, a broker outage
 * while writing (copied later), and the repair of entries missing from the topic.
 */
describe('audit chain (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'audit-chain-test');
  const kafka = createKafka(settings);
  const producer = new EventProducer(kafka);
  const handles: Database[] = [];
  const databases: string[] = [];

  /** `count` handles on a store of its own: a new database on the PostgreSQL server under test, else PGlite. */
  async function openStore(count = 1): Promise<Database[]> {
    const url = process.env.DATABASE_URL;
    if (!url) {
      const db = await openDatabase({ pgliteDir: 'memory' });
      handles.push(db);
      return Array.from({ length: count }, () => db);
    }
    const name = `lgsp_audit_${process.pid}_${Date.now()}_${databases.length}`;
    const own = await createDatabase(url, name);
    databases.push(name);
    const opened = await Promise.all(
      Array.from({ length: count }, () => openDatabase({ databaseUrl: own, pgliteDir: 'memory' })),
    );
    handles.push(...opened);
    return opened;
  }

  async function writer(db: Database, by = signer, p = producer) {
    const chain = new AuditChain(db, p, 'test-subject-key', by);
    await chain.migrate();
    return chain;
  }

  /** Runs `work` with a producer whose connection to the real broker it can cut (the broker stays up for others). */
  async function withSwitchedProducer(
    work: (network: NetworkSwitch, cutProducer: EventProducer) => Promise<void>,
  ): Promise<void> {
    const network = new NetworkSwitch();
    const cutProducer = new EventProducer(
      createKafka(settings, {
        socketFactory: network.socketFactory,
        requestTimeout: 1000,
        retry: { retries: 0 },
      }),
    );
    await cutProducer.connect();
    try {
      await work(network, cutProducer);
    } finally {
      network.restore();
      await cutProducer.disconnect();
    }
  }

  beforeAll(async () => {
    await ensureTopics(kafka, settings);
    await producer.connect();
  }, 60_000);
  afterAll(async () => {
    await producer.disconnect();
    for (const db of new Set(handles)) await db.close();
    if (process.env.DATABASE_URL) await dropDatabases(process.env.DATABASE_URL, databases);
  });

  it('keeps one unbroken signed chain when two writers append concurrently', async () => {
    const [storeA, storeB] = await openStore(2);
    const a = await writer(storeA);
    const b = await writer(storeB);
    const auditFrom = await endOffsets(kafka, Topics.audit);
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
    const intact = { ok: true, entries: 240, signed: 240, unsigned: 0 };
    await expect(a.verify(devKeys)).resolves.toEqual(intact);
    await expect(b.verify(devKeys)).resolves.toEqual(intact);

    const chain = written[0].chain;
    const published = (await readToEnd(kafka, Topics.audit, auditFrom))
      .map((r) => JSON.parse(r.value ?? '{}') as ChainedEntry)
      .filter((e) => e.chain === chain);
    expect(published).toHaveLength(240);
    const topic = await readAuditTopic(kafka);
    const ours = verifyTopicChains(
      { entries: new Map([[chain, topic.entries.get(chain) ?? []]]), anchors: new Map() },
      devKeys,
    );
    expect(ours).toEqual([{ chain, verdict: intact, anchor: {} }]);
    const report = await verifyAuditTrail([a.chain], kafka, devKeys);
    expect(report.ok).toBe(true);
    expect(report.chains[0].topic.notYetCopied.count).toBe(0);
  }, 60_000);

  it('detects an entry rewritten and the chain re-hashed with the project hash function', async () => {
    const [db] = await openStore();
    const audit = await writer(db);
    for (let i = 0; i < 4; i++) await audit.append(read('ioc', i));
    await expect(audit.verify(devKeys)).resolves.toMatchObject({ ok: true, signed: 4 });

    // What someone with database access can do: change consumer and purpose of entry 2, then re-link
    // and re-hash entries 2..4 and the head so that every hash and link holds again.
    const rows = await audit.entries();
    let prevHash = rows[0].hash;
    for (const row of rows.slice(1)) {
      const { link, content } = splitEntry(row);
      const seq = link.seq;
      delete (content as { copied?: boolean }).copied;
      const forged: ChainBase =
        seq === 2 ? { ...content, consumer: { id: 'press', name: 'Press' }, purpose: 'statistics' } : content;
      const hash = entryHash(prevHash, seq, forged);
      await db.query(`UPDATE audit.entries SET entry = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [
        seq,
        JSON.stringify(forged),
        prevHash,
        hash,
      ]);
      prevHash = hash;
    }
    await db.query(`UPDATE audit.chain_head SET hash = $1`, [prevHash]);

    const verdict = await audit.verify(devKeys);
    expect(verdict).toMatchObject({
      ok: false,
      firstBroken: { seq: 2, reason: 'its signature does not match (rewritten without the signing key)' },
    });
    const report = await verifyAuditTrail([audit.chain], kafka, devKeys);
    expect(report.ok).toBe(false);
    // the copy in lgsp.audit still holds the genuine entries: they differ from the store
    expect(report.chains[0].topic.differs).toEqual({ count: 3, seqs: [2, 3, 4] });
  }, 60_000);

  it('detects the last entries deleted and the head moved back, through the signed anchor', async () => {
    const [db] = await openStore();
    const audit = await writer(db);
    for (let i = 0; i < 5; i++) await audit.append(read('ioc', i));
    const anchor = await audit.chain.anchor();
    expect(anchor).toMatchObject({ seq: 5, name: 'data-access' });

    const rows = await audit.entries();
    await db.query(`DELETE FROM audit.entries WHERE seq > 3`);
    await db.query(`UPDATE audit.chain_head SET seq = 3, hash = $1`, [rows[2].hash]);
    // The store agrees with itself ...
    await expect(audit.verify(devKeys)).resolves.toMatchObject({ ok: true, entries: 3 });
    // ... but not with the anchor in lgsp.audit.
    const report = await verifyAuditTrail([audit.chain], kafka, devKeys);
    expect(report.ok).toBe(false);
    expect(report.chains[0].anchor.problem).toMatch(
      /^the chain ends at entry 3 but was anchored at entry 5 on .*: entries 4–5 were removed$/,
    );
  }, 60_000);

  it('rejects entries signed by a key that is not published', async () => {
    const [db] = await openStore();
    const { privateKey } = generateKeyPairSync('ed25519');
    const stranger = createSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'stranger');
    const audit = await writer(db);
    await audit.append(read('ioc', 1));
    const rogue = await writer(db, stranger);
    await rogue.append(read('ioc', 2));
    await expect(audit.verify(devKeys)).resolves.toMatchObject({
      ok: false,
      firstBroken: { seq: 2, reason: 'it is signed by key stranger, which is not published' },
    });
  }, 60_000);

  it('copies an entry written while lgsp.audit cannot be written once the broker answers again', async () => {
    const [db] = await openStore();
    await withSwitchedProducer(async (network, cutProducer) => {
      const audit = await writer(db, signer, cutProducer);
      await audit.append(read('ioc', 1));
      network.cut();
      // the read is on record in the store even though its copy cannot be written now
      const second = await audit.append(read('ioc', 2));
      expect((await audit.entries()).map((e) => [e.seq, e.copied])).toEqual([
        [1, true],
        [2, false],
      ]);
      const during = await verifyAuditTrail([audit.chain], kafka, devKeys);
      expect(during.ok).toBe(true);
      expect(during.chains[0].topic.notYetCopied).toEqual({ count: 1, seqs: [2] });
      expect(during.chains[0].topic.missing.count).toBe(0);

      network.restore();
      audit.chain.start({ anchorIntervalMs: 60_000, copyIntervalMs: 200 });
      await eventually(
        async () => ((await audit.entries()).every((e) => e.copied) ? true : undefined),
        20_000,
      );
      await audit.chain.stop();
      const after = await verifyAuditTrail([audit.chain], kafka, devKeys);
      expect(after.ok).toBe(true);
      expect(after.chains[0].topic.notYetCopied.count).toBe(0);
      const topic = await readAuditTopic(kafka);
      const [ours] = verifyTopicChains(
        {
          entries: new Map([[second.chain, topic.entries.get(second.chain) ?? []]]),
          anchors: new Map([[second.chain, topic.anchors.get(second.chain) ?? []]]),
        },
        devKeys,
      );
      expect(ours.verdict).toEqual({ ok: true, entries: 2, signed: 2, unsigned: 0 });
      expect(ours.anchor.latest?.seq).toBe(2);
    });
  }, 90_000);

  it('repairs entries missing from lgsp.audit from the store, and records the repair', async () => {
    const [db] = await openStore();
    await withSwitchedProducer(async (network, cutProducer) => {
      const audit = await writer(db, signer, cutProducer);
      await audit.append(read('ioc', 1));
      network.cut();
      await audit.append(read('ioc', 2));
      await audit.append(read('ioc', 3));
      network.restore();
      // The copies of 2 and 3 are lost after the store recorded them as copied (a topic that lost records).
      await db.query(`UPDATE audit.entries SET copied_at = now()`);
      const before = await verifyAuditTrail([audit.chain], kafka, devKeys);
      expect(before.ok).toBe(false);
      expect(before.chains[0].topic.missing).toEqual({ count: 2, seqs: [2, 3] });

      const operator = new OperatorAudit(producer, 'admin-api', signer, db);
      await operator.migrate();
      const result = await operator.around(
        {
          actor: { id: 'ops', name: 'Ops', role: 'operator' },
          action: 'audit.repair',
          target: Topics.audit,
          params: {},
        },
        async () => {
          const repaired = await repairAuditTrail([audit.chain], kafka, devKeys);
          return { copied: repaired.copied, ok: repaired.after.ok };
        },
      );
      expect(result).toEqual({ copied: { 'data-access': 2 }, ok: true });
      const actions = await operator.chain.entries();
      expect(actions.map((a) => [a.action, a.outcome])).toEqual([
        ['audit.repair', 'started'],
        ['audit.repair', 'completed'],
      ]);
      const both = await verifyAuditTrail([audit.chain, operator.chain], kafka, devKeys);
      expect(both.ok).toBe(true);
      expect(both.chains.map((c) => [c.name, c.store.signed])).toEqual([
        ['data-access', 3],
        ['operator', 2],
      ]);
    });
  }, 90_000);
});
