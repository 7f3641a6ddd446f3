import { createHash, randomUUID } from 'node:crypto';
import { Topics } from '@lgsp/contracts';
import type { EventProducer } from '@lgsp/kafka';
import { MicroBatcher } from '@lgsp/core';
import { migrate, type Database } from '@lgsp/store';
import type { AuditSigner } from './audit-keys';

/**
 * The signed chains: personal-data reads and operator actions (the audit store's), and the national
 * bridge's message log of exchanges (a store of its own: ChainStorage).
 */
export type ChainName = 'data-access' | 'operator' | 'national-exchange';

/**
 * Where a chain that is not the audit store's keeps its entries and head: tables of the same shape as
 * the audit's (`entries`: seq, prev_hash, hash, sig, entry, copied_at; `head`: id 1, chain_id, seq, hash,
 * signed_from), created by `migrations` in `schema`.
 */
export interface ChainStorage {
  schema: string;
  entries: string;
  head: string;
  migrations: string[];
}

/** What every chained entry carries besides its own content. */
export interface ChainBase {
  kind: string;
  /** the chain (one per audit store and chain name) this entry belongs to */
  chain: string;
  at: string;
  /** the key the entry is signed with; absent on entries written before entries were signed */
  keyId?: string;
}

export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
  /** base64 Ed25519 signature over the entry and its link (absent on entries written before signing) */
  sig?: string;
}

export type Chained<E extends ChainBase = ChainBase> = E & ChainLink;

/** A chain head, signed and published to lgsp.audit: the store must reach `seq` with `hash`. */
export interface AnchorRecord {
  kind: 'anchor';
  name: ChainName;
  chain: string;
  seq: number;
  hash: string;
  /** the first seq written signed; entries before it are legacy (unsigned) */
  signedFrom: number;
  at: string;
  keyId: string;
  sig: string;
}

export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
  signedFrom: number;
}

export const GENESIS = '0'.repeat(64);

/**
 * The schema of an audit store's tables: `audit`, unless a service is given one of its own (services
 * sharing one database each keep their chains apart: the one-process hub gives each `audit_<service>`).
 */
export const AUDIT_SCHEMA = 'audit';

function tables(schema: string, name: ChainName): { entries: string; head: string } {
  if (!/^[a-z_]+$/.test(schema)) throw new Error(`invalid audit schema name ${schema}`);
  if (name === 'national-exchange') throw new Error('the message log keeps its chain in a ChainStorage');
  return name === 'data-access'
    ? { entries: `${schema}.entries`, head: `${schema}.chain_head` }
    : { entries: `${schema}.operator_entries`, head: `${schema}.operator_head` };
}

/** Old migrations are never edited: signatures, the outbox column and the operator chain come in by new ones. */
const MIGRATIONS = [
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
  // Entries already there were published when written (the old writer failed the read otherwise).
  `ALTER TABLE audit.entries ADD COLUMN sig text;
   ALTER TABLE audit.entries ADD COLUMN copied_at timestamptz;
   UPDATE audit.entries SET copied_at = now();
   CREATE INDEX entries_not_copied ON audit.entries (seq) WHERE copied_at IS NULL;
   ALTER TABLE audit.chain_head ADD COLUMN signed_from bigint;
   UPDATE audit.chain_head SET signed_from = seq + 1;
   ALTER TABLE audit.chain_head ALTER COLUMN signed_from SET NOT NULL;
   CREATE TABLE audit.operator_entries (
     seq bigint PRIMARY KEY,
     prev_hash text NOT NULL,
     hash text NOT NULL,
     entry jsonb NOT NULL,
     sig text,
     copied_at timestamptz
   );
   CREATE INDEX operator_entries_not_copied ON audit.operator_entries (seq) WHERE copied_at IS NULL;
   CREATE TABLE audit.operator_head (
     id smallint PRIMARY KEY CHECK (id = 1),
     chain_id text NOT NULL,
     seq bigint NOT NULL,
     hash text NOT NULL,
     signed_from bigint NOT NULL
   );
   INSERT INTO audit.operator_head (id, chain_id, seq, hash, signed_from)
     VALUES (1, gen_random_uuid()::text, 0, '${GENESIS}', 1)`,
];

/** The audit store's migrations for `schema`: `audit` is the schema name as written in them (every existing store's). */
export const auditMigrations = (schema: string = AUDIT_SCHEMA): string[] =>
  MIGRATIONS.map((sql) => sql.replace(/\baudit\./g, `${schema}.`));

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The hash of an entry: SHA-256 over the previous hash and the entry's canonical JSON (sorted keys). */
export function entryHash(prevHash: string, seq: number, entry: object): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonical({ ...entry, seq }))
    .digest('hex');
}

/** What an entry's signature covers: the canonical entry (with its key id) and its link. */
export function entrySigningText(seq: number, prevHash: string, entry: object): string {
  return `lgsp.audit.entry.v1\n${seq}\n${prevHash}\n${canonical(entry)}`;
}

export function anchorSigningText(anchor: Omit<AnchorRecord, 'sig'>): string {
  return `lgsp.audit.anchor.v1\n${canonical(anchor)}`;
}

/** Splits a chained entry into its link and its content (what the hash and signature cover). */
export function splitEntry<E extends ChainBase>(e: Chained<E>): { link: ChainLink; content: E } {
  const { seq, prevHash, hash, sig, ...content } = e;
  return { link: { seq, prevHash, hash, sig }, content: content as unknown as E };
}

/** A stored entry and whether its copy in lgsp.audit has been written. */
export type StoredEntry<E extends ChainBase = ChainBase> = Chained<E> & { copied: boolean };

/** What verification and repair need of a chain in an audit store, whatever its entries hold. */
export interface StoredChain {
  readonly name: ChainName;
  readHead(): Promise<ChainHead>;
  entries(): Promise<StoredEntry[]>;
  copyPending(seqs?: number[]): Promise<number>;
}

/**
 * A signed hash chain in the audit store, copied to lgsp.audit. Each entry is linked to the previous
 * one (seq, prevHash), hashed and signed with this writer's Ed25519 key, and committed to the store;
 * then copied to lgsp.audit. The store is the record: when the copy fails (broker down) the entry
 * stays marked not copied and a background copier retries (outbox). Appends made while a write is in
 * flight go out together in the next one. A write links the batch to the head it last saw and moves
 * the head only if nobody else did (compare and set, in the same statement as the insert), so several
 * writers on one PostgreSQL keep a single chain. Anchors (the signed head) go to lgsp.audit
 * periodically and at stop, so deleting the last entries and moving the head back shows.
 *
 * Without a store (the CLI) the chain lives in memory for the process and each entry is published
 * before append() resolves; a failed publish fails the append.
 */
export class SignedChain<E extends ChainBase> implements StoredChain {
  private readonly batcher = new MicroBatcher<Omit<E, 'chain' | 'keyId'>, Chained<E>>(
    (batch) => this.flush(batch),
    500,
    true,
  );
  /** the chain head as this process last wrote or read it */
  private head?: ChainHead;
  private lastAnchor?: string;
  private timers: NodeJS.Timeout[] = [];
  private copying?: Promise<number>;
  private readonly tables: { entries: string; head: string };
  private readonly migrations: { schema: string; list: string[] };

  constructor(
    readonly name: ChainName,
    private readonly db: Database | undefined,
    private readonly producer: EventProducer,
    private readonly signer: AuditSigner,
    private readonly onError: (error: unknown) => void = () => undefined,
    /** the audit store schema of the chain's tables, or the storage of a chain of its own */
    storage: string | ChainStorage = AUDIT_SCHEMA,
  ) {
    if (typeof storage === 'string') {
      this.tables = tables(storage, name);
      this.migrations = { schema: storage, list: auditMigrations(storage) };
    } else {
      this.tables = { entries: storage.entries, head: storage.head };
      this.migrations = { schema: storage.schema, list: storage.migrations };
    }
    if (!db) this.head = { chain: `${name}-${randomUUID()}`, seq: 0, hash: GENESIS, signedFrom: 1 };
  }

  migrate(): Promise<void> {
    return this.db ? migrate(this.db, this.migrations.schema, this.migrations.list) : Promise.resolve();
  }

  append(entry: Omit<E, 'chain' | 'keyId'>): Promise<Chained<E>> {
    return this.batcher.add(entry);
  }

  async readHead(): Promise<ChainHead> {
    if (!this.db) return { ...this.head! };
    const { rows } = await this.db.query<{
      seq: string;
      hash: string;
      chain_id: string;
      signed_from: string;
    }>(
      `SELECT seq::text AS seq, hash, chain_id, signed_from::text AS signed_from FROM ${this.tables.head} WHERE id = 1`,
    );
    const r = rows[0];
    return { chain: r.chain_id, seq: Number(r.seq), hash: r.hash, signedFrom: Number(r.signed_from) };
  }

  private link(head: ChainHead, batch: Omit<E, 'chain' | 'keyId'>[]): Chained<E>[] {
    const linked: Chained<E>[] = [];
    let prevHash = head.hash;
    for (const [i, partial] of batch.entries()) {
      const seq = head.seq + i + 1;
      const entry = { ...partial, chain: head.chain, keyId: this.signer.keyId } as E;
      const hash = entryHash(prevHash, seq, entry);
      const sig = this.signer.sign(entrySigningText(seq, prevHash, entry));
      linked.push({ ...entry, seq, prevHash, hash, sig });
      prevHash = hash;
    }
    return linked;
  }

  /** Chains a batch in one statement, then copies it to lgsp.audit in one Kafka request. */
  private async flush(batch: Omit<E, 'chain' | 'keyId'>[]): Promise<Chained<E>[]> {
    if (!this.db) {
      const linked = this.link(this.head!, batch);
      await this.publish(linked);
      const last = linked[linked.length - 1];
      this.head = { ...this.head!, seq: last.seq, hash: last.hash };
      return linked;
    }
    let chained: Chained<E>[] | undefined;
    for (let attempt = 0; !chained; attempt++) {
      if (attempt === 20) throw new Error('audit: the chain head kept moving; gave up after 20 attempts');
      const head = this.head ?? (await this.readHead());
      const linked = this.link(head, batch);
      const last = linked[linked.length - 1];
      this.head = undefined; // unknown until the write below has succeeded
      const { rows } = await this.db.query<{ seq: string }>(
        `WITH moved AS (
           UPDATE ${this.tables.head} SET seq = $3, hash = $4 WHERE id = 1 AND seq = $1 AND hash = $2 RETURNING id
         )
         INSERT INTO ${this.tables.entries} (seq, prev_hash, hash, sig, entry)
         SELECT x.seq, x.prev_hash, x.hash, x.sig, x.entry
         FROM moved, jsonb_to_recordset($5::jsonb) AS x(seq bigint, prev_hash text, hash text, sig text, entry jsonb)
         RETURNING seq`,
        [
          head.seq,
          head.hash,
          last.seq,
          last.hash,
          JSON.stringify(
            linked.map((e) => {
              const { link, content } = splitEntry(e);
              return {
                seq: link.seq,
                prev_hash: link.prevHash,
                hash: link.hash,
                sig: link.sig,
                entry: content,
              };
            }),
          ),
        ],
      );
      if (rows.length === linked.length) {
        this.head = { ...head, seq: last.seq, hash: last.hash };
        chained = linked;
      } // else another writer moved the head first: read it again and re-link
    }
    // Committed: the read is on record. The copy is best effort here; the copier retries what fails.
    await this.publish(chained).then(
      () => this.markCopied(chained.map((e) => e.seq)),
      (error: unknown) => this.onError(error),
    );
    return chained;
  }

  private async publish(entries: Chained<E>[]): Promise<void> {
    if (entries.length === 0) return;
    await this.producer.sendRaw(
      Topics.audit,
      entries.map((entry) => ({
        key: entry.chain,
        value: Buffer.from(JSON.stringify(entry)),
        headers: { 'content-type': 'application/json', lgsp_audit_kind: entry.kind },
      })),
    );
  }

  private async markCopied(seqs: number[]): Promise<void> {
    if (!this.db || seqs.length === 0) return;
    await this.db.query(
      `UPDATE ${this.tables.entries} SET copied_at = now() WHERE seq = ANY($1::bigint[]) AND copied_at IS NULL`,
      [seqs],
    );
  }

  /**
   * Copies entries not yet in lgsp.audit (`seqs`: these, copied or not: the repair of entries missing
   * from the topic), oldest first, in batches. Returns how many were copied.
   */
  async copyPending(seqs?: number[]): Promise<number> {
    if (!this.db) return 0;
    let copied = 0;
    let after = 0;
    for (;;) {
      const batch = await this.select(
        seqs
          ? `WHERE seq = ANY($2::bigint[]) AND seq > $1 ORDER BY seq LIMIT 500`
          : `WHERE copied_at IS NULL AND seq > $1 ORDER BY seq LIMIT 500`,
        seqs ? [after, seqs] : [after],
      );
      if (batch.length === 0) return copied;
      await this.publish(batch);
      await this.markCopied(batch.map((e) => e.seq));
      copied += batch.length;
      after = batch[batch.length - 1].seq;
    }
  }

  private async select(where: string, params: unknown[]): Promise<StoredEntry<E>[]> {
    const { rows } = await this.db!.query<{
      seq: string;
      prev_hash: string;
      hash: string;
      sig: string | null;
      entry: E;
      copied: boolean;
    }>( // Order by the bigint column, not the text alias (which would put 10 before 9).
      `SELECT e.seq::text AS seq, e.prev_hash, e.hash, e.sig, e.entry, e.copied_at IS NOT NULL AS copied
       FROM ${this.tables.entries} e ${where.replace('ORDER BY seq', 'ORDER BY e.seq')}`,
      params,
    );
    return rows.map((r) => ({
      ...r.entry,
      seq: Number(r.seq),
      prevHash: r.prev_hash,
      hash: r.hash,
      ...(r.sig ? { sig: r.sig } : {}),
      copied: r.copied,
    }));
  }

  /** Up to `limit` stored entries after `afterSeq`, in order: a long chain read page by page. */
  async page(afterSeq: number, limit: number): Promise<StoredEntry<E>[]> {
    if (!this.db) return [];
    return this.select('WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
  }

  /** The last `limit` stored entries, newest first. */
  async latest(limit: number): Promise<StoredEntry<E>[]> {
    if (!this.db) return [];
    return this.select('ORDER BY seq DESC LIMIT $1', [limit]);
  }

  /** Every stored entry, in order, with whether its copy reached lgsp.audit. */
  async entries(): Promise<StoredEntry<E>[]> {
    if (!this.db) return [];
    return this.select('ORDER BY seq', []);
  }

  /** Publishes the signed head to lgsp.audit (unless it has not moved since this writer's last anchor). */
  async anchor(force = false): Promise<AnchorRecord | undefined> {
    const head = await this.readHead();
    if (head.seq === 0) return undefined;
    const key = `${head.chain}:${head.seq}:${head.hash}`;
    if (!force && key === this.lastAnchor) return undefined;
    const unsigned: Omit<AnchorRecord, 'sig'> = {
      kind: 'anchor',
      name: this.name,
      chain: head.chain,
      seq: head.seq,
      hash: head.hash,
      signedFrom: head.signedFrom,
      at: new Date().toISOString(),
      keyId: this.signer.keyId,
    };
    const anchor: AnchorRecord = { ...unsigned, sig: this.signer.sign(anchorSigningText(unsigned)) };
    await this.producer.sendRaw(Topics.audit, [
      {
        key: anchor.chain,
        value: Buffer.from(JSON.stringify(anchor)),
        headers: { 'content-type': 'application/json', lgsp_audit_kind: 'anchor' },
      },
    ]);
    this.lastAnchor = key;
    return anchor;
  }

  /** Starts the background copier and the periodic anchor. */
  start(intervals: { anchorIntervalMs: number; copyIntervalMs: number }): void {
    if (!this.db || this.timers.length > 0) return;
    const copy = setInterval(() => {
      if (this.copying) return;
      this.copying = this.copyPending()
        .catch((error: unknown) => {
          this.onError(error);
          return 0;
        })
        .finally(() => (this.copying = undefined));
    }, intervals.copyIntervalMs);
    const anchor = setInterval(
      () => void this.anchor().catch((error: unknown) => this.onError(error)),
      intervals.anchorIntervalMs,
    );
    copy.unref();
    anchor.unref();
    this.timers = [copy, anchor];
  }

  /** Stops the timers, copies what is left and anchors the final head (best effort: the broker may be down). */
  async stop(): Promise<void> {
    const started = this.timers.length > 0;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (!started) return;
    await this.copying;
    await this.copyPending().catch((error: unknown) => this.onError(error));
    await this.anchor().catch((error: unknown) => this.onError(error));
  }
}
