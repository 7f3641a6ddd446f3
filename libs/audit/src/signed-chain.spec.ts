import { generateKeyPairSync } from 'node:crypto';
import type { EventProducer } from '@lgsp/kafka';
import { openDatabase, type Database } from '@lgsp/store';
import { AuditChain } from './audit-chain';
import { AuditKeyring, createSigner } from './audit-keys';
import { OperatorAudit } from './operator-audit';
import { AUDIT_SCHEMA, auditMigrations, SignedChain } from './signed-chain';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = createSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'writer-1');
const keyring = AuditKeyring.fromJson({
  keys: { 'writer-1': publicKey.export({ type: 'spki', format: 'pem' }).toString() },
});

/** A producer that only copies entries to lgsp.audit (and fails on anything else a chain should not call). */
function auditTopic(): { producer: EventProducer; copied: { topic: string; key: string }[] } {
  const copied: { topic: string; key: string }[] = [];
  const sendRaw = async (topic: string, records: { key: string }[]) => {
    copied.push(...records.map((r) => ({ topic, key: r.key })));
  };
  const producer = new Proxy(
    {},
    {
      get(_target, property) {
        if (property === 'sendRaw') return sendRaw;
        throw new Error(`unexpected producer.${String(property)}`);
      },
    },
  ) as EventProducer;
  return { producer, copied };
}

const read = (consumer: string) => ({
  consumer: { id: consumer, name: consumer },
  purpose: 'public-service',
  operationName: 'Citizen',
  queryHash: '0'.repeat(64),
  domains: ['dossier'],
  fields: ['Citizen.personalId'],
  masked: [],
  citizens: ['001203012345'],
  records: [],
});

describe('auditMigrations', () => {
  it('are, for the default schema, the migrations as written: every existing store keeps its history', () => {
    const sql = auditMigrations().join('\n');
    expect(AUDIT_SCHEMA).toBe('audit');
    expect(sql).toContain('CREATE TABLE audit.entries (');
    expect(sql).toContain('CREATE TABLE audit.operator_head (');
  });

  it('name only the schema differently for a service given one of its own', () => {
    const own = auditMigrations('audit_gateway');
    expect(own.join('\n')).not.toMatch(/\baudit\./);
    expect(own).toEqual(auditMigrations().map((sql) => sql.replaceAll('audit.', 'audit_gateway.')));
  });
});

describe(SignedChain.name, () => {
  it('refuses a schema name that is not a plain identifier', () => {
    const { producer } = auditTopic();
    expect(() => new SignedChain('operator', undefined, producer, signer, undefined, 'audit; DROP')).toThrow(
      'invalid audit schema name',
    );
  });

  describe('services sharing one database (the one-process hub)', () => {
    let db: Database;
    beforeAll(async () => {
      db = await openDatabase({ pgliteDir: 'memory' });
    }, 180_000);
    afterAll(() => db?.close());

    it('keep chains of their own, each in its schema, verified on its own', async () => {
      const { producer, copied } = auditTopic();
      const gateway = new AuditChain(db, producer, 'subject-key', signer, undefined, 'audit_gateway');
      const dossier = new AuditChain(db, producer, 'subject-key', signer, undefined, 'audit_dossier');
      const admin = new OperatorAudit(producer, 'admin-api', signer, db, undefined, 'audit_admin');
      for (const migrated of [gateway, dossier, admin]) await migrated.migrate();

      await gateway.append(read('ioc'));
      await gateway.append(read('press'));
      await dossier.append(read('ioc'));
      await admin.record({
        actor: { id: 'op', name: 'Operator', role: 'operator' },
        action: 'replay',
        target: 'lgsp.dossier.events',
        params: {},
        outcome: 'started',
      });

      const gatewayEntries = await gateway.entries();
      const dossierEntries = await dossier.entries();
      expect(gatewayEntries.map((e) => [e.seq, e.consumer.id])).toEqual([
        [1, 'ioc'],
        [2, 'press'],
      ]);
      expect(dossierEntries.map((e) => [e.seq, e.consumer.id])).toEqual([[1, 'ioc']]);
      expect(gatewayEntries[0].chain).not.toBe(dossierEntries[0].chain);
      await expect(gateway.verify(keyring)).resolves.toMatchObject({ ok: true, entries: 2, signed: 2 });
      await expect(dossier.verify(keyring)).resolves.toMatchObject({ ok: true, entries: 1, signed: 1 });
      expect((await admin.chain.entries()).map((e) => [e.seq, e.action])).toEqual([[1, 'replay']]);

      // the tables are in the services' schemas; the default schema is not touched
      const { rows } = await db.query<{ schema: string; count: string }>(
        `SELECT table_schema AS schema, count(*)::text AS count FROM information_schema.tables
         WHERE table_schema LIKE 'audit%' GROUP BY table_schema ORDER BY table_schema`,
      );
      expect(rows).toEqual([
        { schema: 'audit_admin', count: '5' },
        { schema: 'audit_dossier', count: '5' },
        { schema: 'audit_gateway', count: '5' },
      ]);
      // every entry copied to lgsp.audit, keyed by its own chain
      expect(new Set(copied.map((c) => c.topic))).toEqual(new Set(['lgsp.audit']));
      expect(copied).toHaveLength(4);
    });

    it('writes to the `audit` schema when given none, as every service running alone does', async () => {
      const { producer } = auditTopic();
      const alone = new AuditChain(db, producer, 'subject-key', signer);
      await alone.migrate();
      await alone.append(read('ioc'));
      const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit.entries');
      expect(rows).toEqual([{ n: '1' }]);
    });
  });
});
