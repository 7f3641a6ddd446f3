import { createHash, createHmac } from 'node:crypto';
import { Topics } from '@lgsp/contracts';
import type { EventProducer } from '@lgsp/kafka';
import { ConfigError, MicroBatcher } from '@lgsp/core';
import { migrate, type Database } from '@lgsp/store';

/** One read of personal data, as the audit trail keeps it. */
export interface DataAccessEntry {
  kind: 'data-access';
  /** the chain (one per audit store) this entry belongs to */
  chain: string;
  at: string;
  consumer: { id: string; name: string };
  purpose: string | null;
  operationName: string | null;
  /** SHA-256 of the query text: which query, without storing it in every entry */
  queryHash: string;
  domains: string[];
  fields: string[];
  masked: string[];
  /** HMAC-SHA256 of each personal id read (keyed, so the trail itself does not hold personal ids in clear) */
  citizens: string[];
  records: string[];
}

export interface ChainedEntry extends DataAccessEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainVerdict {
  ok: boolean;
  entries: number;
  /** the first entry whose link does not hold, and why */
  firstBroken?: { seq: number; reason: string };
}

const GENESIS = '0'.repeat(64);

/**
 * LGSP_AUDIT_SUBJECT_KEY: the HMAC key personal ids are recorded under, the same for the gateway and
 * every subgraph. The development default must not reach production: there it has to be set.
 */
export function loadAuditSubjectKey(env: Record<string, string | undefined>): string {
  const key = env.LGSP_AUDIT_SUBJECT_KEY;
  if (key) return key;
  if (env.NODE_ENV === 'production')
    throw new ConfigError(
      'LGSP_AUDIT_SUBJECT_KEY',
      'must be set in production (HMAC key for personal ids in the audit trail)',
    );
  return 'dev-audit-subject-key';
}

const auditMigrations = [
  `CREATE TABLE audit.entries (
     seq bigint PRIMARY KEY,
     prev_hash text NOT NULL,
     hash text NOT NULL,
     entry jsonb NOT NULL
   );
   CREATE TABLE audit.chain_head (
     id smallint PRIMARY KEY CHECK (id = 1),
     chain_id text NOT NULL,
     seq bigint NOT NULL,
     hash text NOT NULL
   );
   INSERT INTO audit.chain_head (id, chain_id, seq, hash) VALUES (1, gen_random_uuid()::text, 0, '${GENESIS}')`,
];

/** The hash of an entry: SHA-256 over the previous hash and the entry's canonical JSON (sorted keys). */
export function entryHash(prevHash: string, seq: number, entry: DataAccessEntry): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonical({ ...entry, seq }))
    .digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * The hash-chained audit trail of personal-data reads. Each entry is committed to the store, then
 * published to lgsp.audit, before append() resolves. Appends made while a write is in flight go out
 * together in the next one (one statement, one Kafka request). A write links the batch to the head
 * it last saw and moves the head only if nobody else did (compare and set, in the same statement as
 * the insert), so several gateway replicas on one PostgreSQL keep a single chain: a replica that
 * lost the race reads the head again and re-links. Altering or deleting an entry breaks the chain.
 */
export class AuditChain {
  private readonly batcher = new MicroBatcher<Omit<DataAccessEntry, 'chain'>, ChainedEntry>(
    (batch) => this.flush(batch),
    500,
    true,
  );
  /** the chain head as this process last wrote or read it */
  private head?: { chain: string; seq: number; hash: string };

  constructor(
    private readonly db: Database,
    private readonly producer: EventProducer,
    private readonly subjectKey: string,
  ) {}

  migrate(): Promise<void> {
    return migrate(this.db, 'audit', auditMigrations);
  }

  /** The keyed digest a citizen's personal id is recorded as (look a citizen up by computing it). */
  subjectDigest(personalId: string): string {
    return createHmac('sha256', this.subjectKey).update(personalId).digest('hex');
  }

  async append(
    entry: Omit<DataAccessEntry, 'kind' | 'at' | 'citizens' | 'chain'> & { citizens: string[] },
  ): Promise<ChainedEntry> {
    const full: Omit<DataAccessEntry, 'chain'> = {
      kind: 'data-access',
      at: new Date().toISOString(),
      ...entry,
      citizens: entry.citizens.map((c) => this.subjectDigest(c)).sort(),
    };
    return this.batcher.add(full);
  }

  private async readHead(): Promise<{ chain: string; seq: number; hash: string }> {
    const { rows } = await this.db.query<{ seq: string; hash: string; chain_id: string }>(
      `SELECT seq::text AS seq, hash, chain_id FROM audit.chain_head WHERE id = 1`,
    );
    return { chain: rows[0].chain_id, seq: Number(rows[0].seq), hash: rows[0].hash };
  }

  /** Chains a batch of entries in one statement and publishes them in one Kafka request. */
  private async flush(batch: Omit<DataAccessEntry, 'chain'>[]): Promise<ChainedEntry[]> {
    let chained: ChainedEntry[] | undefined;
    for (let attempt = 0; !chained; attempt++) {
      if (attempt === 20) throw new Error('audit: the chain head kept moving; gave up after 20 attempts');
      const head = this.head ?? (await this.readHead());
      const linked: ChainedEntry[] = [];
      let prevHash = head.hash;
      for (const [i, partial] of batch.entries()) {
        const seq = head.seq + i + 1;
        const entry: DataAccessEntry = { ...partial, chain: head.chain };
        const hash = entryHash(prevHash, seq, entry);
        linked.push({ ...entry, seq, prevHash, hash });
        prevHash = hash;
      }
      const last = linked[linked.length - 1];
      this.head = undefined; // unknown until the write below has succeeded
      const { rows } = await this.db.query<{ seq: string }>(
        `WITH moved AS (
           UPDATE audit.chain_head SET seq = $3, hash = $4 WHERE id = 1 AND seq = $1 AND hash = $2 RETURNING id
         )
         INSERT INTO audit.entries (seq, prev_hash, hash, entry)
         SELECT x.seq, x.prev_hash, x.hash, x.entry
         FROM moved, jsonb_to_recordset($5::jsonb) AS x(seq bigint, prev_hash text, hash text, entry jsonb)
         RETURNING seq`,
        [
          head.seq,
          head.hash,
          last.seq,
          last.hash,
          JSON.stringify(
            linked.map(({ seq, prevHash: p, hash: h, ...entry }) => ({ seq, prev_hash: p, hash: h, entry })),
          ),
        ],
      );
      if (rows.length === linked.length) {
        this.head = { chain: head.chain, seq: last.seq, hash: last.hash };
        chained = linked;
      } // else another writer moved the head first: read it again and re-link
    }
    await this.producer.sendRaw(
      Topics.audit,
      chained.map((entry) => ({
        key: 'data-access',
        value: Buffer.from(JSON.stringify(entry)),
        headers: { 'content-type': 'application/json', lgsp_audit_kind: 'data-access' },
      })),
    );
    return chained;
  }

  async entries(): Promise<ChainedEntry[]> {
    const { rows } = await this.db.query<{
      seq: string;
      prev_hash: string;
      hash: string;
      entry: DataAccessEntry;
    }>( // Order by the bigint column, not the text alias (which would put 10 before 9).
      `SELECT e.seq::text AS seq, e.prev_hash, e.hash, e.entry FROM audit.entries e ORDER BY e.seq`,
    );
    return rows.map((r) => ({ ...r.entry, seq: Number(r.seq), prevHash: r.prev_hash, hash: r.hash }));
  }

  /** Walks the stored chain from the start and reports the first broken link. */
  async verify(): Promise<ChainVerdict> {
    const entries = await this.entries();
    const head = (
      await this.db.query<{ seq: string; hash: string }>(
        `SELECT seq::text AS seq, hash FROM audit.chain_head`,
      )
    ).rows[0];
    return verifyChain(entries, head ? { seq: Number(head.seq), hash: head.hash } : undefined);
  }
}

/** Splits entries read from lgsp.audit by chain (one per audit store) and verifies each. */
export function verifyChains(entries: ChainedEntry[]): { chain: string; verdict: ChainVerdict }[] {
  const byChain = new Map<string, ChainedEntry[]>();
  for (const e of entries) byChain.set(e.chain, [...(byChain.get(e.chain) ?? []), e]);
  return [...byChain].map(([chain, list]) => ({
    chain,
    verdict: verifyChain(list.sort((a, b) => a.seq - b.seq)),
  }));
}

/** Checks a chain (from the store or from lgsp.audit): sequence, links and each entry's own hash. */
export function verifyChain(entries: ChainedEntry[], head?: { seq: number; hash: string }): ChainVerdict {
  let prev = GENESIS;
  let expected = 1;
  for (const e of entries) {
    const { seq, prevHash, hash, ...content } = e;
    if (seq !== expected)
      return {
        ok: false,
        entries: entries.length,
        firstBroken: { seq: expected, reason: `entry ${expected} is missing (next is ${seq})` },
      };
    if (prevHash !== prev)
      return {
        ok: false,
        entries: entries.length,
        firstBroken: { seq, reason: 'its link to the previous entry does not match' },
      };
    if (entryHash(prevHash, seq, content) !== hash)
      return {
        ok: false,
        entries: entries.length,
        firstBroken: { seq, reason: 'its content does not match its hash (altered)' },
      };
    prev = hash;
    expected++;
  }
  if (head && (head.seq !== expected - 1 || head.hash !== prev))
    return {
      ok: false,
      entries: entries.length,
      firstBroken: {
        seq: expected,
        reason: `the chain head says ${head.seq} entries: entries after ${expected - 1} were removed`,
      },
    };
  return { ok: true, entries: entries.length };
}

/** What the access policy saw of one request, as the audit trail records it. */
export interface ReadRecord {
  caller: { id: string; name: string };
  purpose: string | null;
  operationName: string | null;
  query: string;
  domains: string[];
  fields: string[];
  masked: string[];
  citizens: string[];
  records: string[];
}

export async function auditRead(chain: AuditChain, read: ReadRecord): Promise<void> {
  await chain.append({
    consumer: { id: read.caller.id, name: read.caller.name },
    purpose: read.purpose,
    operationName: read.operationName,
    queryHash: createHash('sha256').update(read.query).digest('hex'),
    domains: read.domains,
    fields: read.fields,
    masked: read.masked,
    citizens: read.citizens,
    records: read.records,
  });
}
