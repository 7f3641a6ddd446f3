import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { DossierRecord, NationalCall } from '@lgsp/national';
import { DATABASE, migrate, type Database, type Queryable } from '@lgsp/store';

/** The bridge's own schema. */
export const SYNC_SCHEMA = 'national_bridge';

const S = SYNC_SCHEMA;

/**
 * The delivery ledger: per dossier the folded record and its national calls in event order, and the offsets
 * of the dossier topic consumed into it. A batch of events, its calls and its offset are written in one
 * transaction, so a crash between them replays nothing twice and loses nothing.
 */
export const syncMigrations: string[] = [
  `CREATE TABLE ${S}.consumed (
     topic text NOT NULL,
     kafka_partition integer NOT NULL,
     next_offset bigint NOT NULL,
     PRIMARY KEY (topic, kafka_partition)
   );
   CREATE TABLE ${S}.dossiers (
     code text PRIMARY KEY,
     record jsonb NOT NULL,
     next_seq integer NOT NULL,
     open_calls integer NOT NULL DEFAULT 0,
     attempts integer NOT NULL DEFAULT 0,
     parked boolean NOT NULL DEFAULT false,
     delivered_at timestamptz,
     failing_since timestamptz,
     last_error text,
     updated_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE TABLE ${S}.calls (
     code text NOT NULL,
     seq integer NOT NULL,
     kind text NOT NULL,
     event_id text NOT NULL,
     scope text NOT NULL,
     call jsonb NOT NULL,
     state text NOT NULL DEFAULT 'pending',
     attempts integer NOT NULL DEFAULT 0,
     reconcile boolean NOT NULL DEFAULT false,
     not_before timestamptz,
     last_error text,
     created_at timestamptz NOT NULL DEFAULT now(),
     done_at timestamptz,
     PRIMARY KEY (code, seq)
   );
   CREATE INDEX calls_open ON ${S}.calls (code, seq) WHERE state IN ('pending', 'parked')`,
];

/** What became of a call: waiting (or retrying), sent and applied, found already applied, or parked. */
export type CallState = 'pending' | 'delivered' | 'skipped' | 'parked';

export interface StoredCall {
  code: string;
  seq: number;
  state: CallState;
  attempts: number;
  reconcile: boolean;
  notBefore: Date | null;
  call: NationalCall;
}

export interface DossierSync {
  code: string;
  openCalls: number;
  attempts: number;
  parked: boolean;
  deliveredAt: Date | null;
  failingSince: Date | null;
  lastError: string | null;
}

export interface SyncTotals {
  pending: number;
  parked: number;
  /** created_at of the oldest call not yet delivered and not parked */
  oldestPending: Date | null;
}

interface CallRow {
  code: string;
  seq: number;
  state: CallState;
  attempts: number;
  reconcile: boolean;
  not_before: Date | null;
  call: NationalCall;
}

const toStored = (r: CallRow): StoredCall => ({
  code: r.code,
  seq: r.seq,
  state: r.state,
  attempts: r.attempts,
  reconcile: r.reconcile,
  notBefore: r.not_before,
  call: r.call,
});

@Injectable()
export class SyncRepository implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  onModuleInit(): Promise<void> {
    return migrate(this.db, S, syncMigrations);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The first offset of a partition not consumed yet (0 when none was), locked until the transaction ends. */
  async nextOffset(tx: Queryable, topic: string, partition: number): Promise<bigint> {
    const { rows } = await tx.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${S}.consumed WHERE topic = $1 AND kafka_partition = $2 FOR UPDATE`,
      [topic, partition],
    );
    return rows.length === 0 ? 0n : BigInt(rows[0].next_offset);
  }

  async saveOffset(tx: Queryable, topic: string, partition: number, next: bigint): Promise<void> {
    await tx.query(
      `INSERT INTO ${S}.consumed (topic, kafka_partition, next_offset) VALUES ($1, $2, $3)
       ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
      [topic, partition, next.toString()],
    );
  }

  /** The folded records and next call numbers of these dossiers, locked until the transaction ends. */
  async loadRecords(
    tx: Queryable,
    codes: string[],
  ): Promise<Map<string, { record: DossierRecord; nextSeq: number }>> {
    const { rows } = await tx.query<{ code: string; record: DossierRecord; next_seq: number }>(
      `SELECT code, record, next_seq FROM ${S}.dossiers WHERE code = ANY($1::text[]) ORDER BY code FOR UPDATE`,
      [codes],
    );
    return new Map(rows.map((r) => [r.code, { record: r.record, nextSeq: r.next_seq }]));
  }

  /** Writes the new records of dossiers and appends their calls (numbered from each dossier's next_seq). */
  async savePlanned(
    tx: Queryable,
    dossiers: { code: string; record: DossierRecord; nextSeq: number; added: number }[],
    calls: { code: string; seq: number; call: NationalCall }[],
  ): Promise<void> {
    if (dossiers.length > 0)
      await tx.query(
        `INSERT INTO ${S}.dossiers (code, record, next_seq, open_calls)
         SELECT d.code, d.record, d.next_seq, d.added
           FROM jsonb_to_recordset($1::jsonb) AS d(code text, record jsonb, next_seq integer, added integer)
         ON CONFLICT (code) DO UPDATE SET record = EXCLUDED.record, next_seq = EXCLUDED.next_seq,
           open_calls = ${S}.dossiers.open_calls + EXCLUDED.open_calls, updated_at = now()`,
        [
          JSON.stringify(
            dossiers.map((d) => ({ code: d.code, record: d.record, next_seq: d.nextSeq, added: d.added })),
          ),
        ],
      );
    if (calls.length > 0)
      await tx.query(
        `INSERT INTO ${S}.calls (code, seq, kind, event_id, scope, call)
         SELECT c.code, c.seq, c.call->>'kind', c.call->>'eventId', c.call->'idempotency'->>'scope', c.call
           FROM jsonb_to_recordset($1::jsonb) AS c(code text, seq integer, call jsonb)`,
        [JSON.stringify(calls)],
      );
  }

  /** Dossiers with a call to send (their first open call is not parked), with when it may go. */
  async deliverable(): Promise<{ code: string; notBefore: Date | null }[]> {
    const { rows } = await this.db.query<{ code: string; not_before: Date | null; state: CallState }>(
      `SELECT DISTINCT ON (c.code) c.code, c.not_before, c.state
         FROM ${S}.calls c WHERE c.state IN ('pending', 'parked') ORDER BY c.code, c.seq`,
    );
    return rows.filter((r) => r.state === 'pending').map((r) => ({ code: r.code, notBefore: r.not_before }));
  }

  /** The dossier's first call not delivered yet (pending or parked), if any. */
  async head(code: string): Promise<StoredCall | undefined> {
    const { rows } = await this.db.query<CallRow>(
      `SELECT code, seq, state, attempts, reconcile, not_before, call FROM ${S}.calls
        WHERE code = $1 AND state IN ('pending', 'parked') ORDER BY seq LIMIT 1`,
      [code],
    );
    return rows.length === 0 ? undefined : toStored(rows[0]);
  }

  /** The call was applied (`delivered`) or found in the national state (`skipped`): the next one may go. */
  async finish(
    call: StoredCall,
    state: 'delivered' | 'skipped',
    attempts: number,
    tried: number,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE ${S}.calls SET state = $3, attempts = $4, done_at = now(), last_error = NULL, not_before = NULL
          WHERE code = $1 AND seq = $2`,
        [call.code, call.seq, state, attempts],
      );
      await tx.query(
        `UPDATE ${S}.dossiers SET open_calls = open_calls - 1, attempts = attempts + $2, delivered_at = now(),
           failing_since = NULL, last_error = NULL, updated_at = now() WHERE code = $1`,
        [call.code, tried],
      );
    });
  }

  /**
   * The call is about to be sent: until its outcome is recorded, it may have been applied (a crash or a store
   * failure in between leaves this mark, and the next try reconciles before sending again).
   */
  async markInDoubt(call: StoredCall): Promise<void> {
    await this.db.query(`UPDATE ${S}.calls SET reconcile = true WHERE code = $1 AND seq = $2`, [
      call.code,
      call.seq,
    ]);
  }

  /** A try failed: the call waits until `notBefore`; the dossier shows it failing since its first failure. */
  async retryLater(
    call: StoredCall,
    change: { attempts: number; tried: number; reconcile: boolean; notBefore: Date; error: string },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE ${S}.calls SET attempts = $3, reconcile = $4, not_before = $5, last_error = $6
          WHERE code = $1 AND seq = $2`,
        [call.code, call.seq, change.attempts, change.reconcile, change.notBefore, change.error],
      );
      await tx.query(
        `UPDATE ${S}.dossiers SET attempts = attempts + $2, failing_since = coalesce(failing_since, now()),
           last_error = $3, updated_at = now() WHERE code = $1`,
        [call.code, change.tried, change.error],
      );
    });
  }

  /** The call is parked (its dead letter written): it and every later call of the dossier wait for a redrive. */
  async park(call: StoredCall, change: { attempts: number; tried: number; error: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE ${S}.calls SET state = 'parked', attempts = $3, last_error = $4, not_before = NULL
          WHERE code = $1 AND seq = $2`,
        [call.code, call.seq, change.attempts, change.error],
      );
      await tx.query(
        `UPDATE ${S}.dossiers SET attempts = attempts + $2, parked = true,
           failing_since = coalesce(failing_since, now()), last_error = $3, updated_at = now() WHERE code = $1`,
        [call.code, change.tried, change.error],
      );
    });
  }

  /**
   * A redrive: the parked call is pending again with fresh tries (its reconcile flag kept: an earlier try may
   * have been applied). False when that call is not parked (redriven already, or unknown here).
   */
  async unpark(code: string, seq: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ seq: number }>(
        `UPDATE ${S}.calls SET state = 'pending', attempts = 0, not_before = NULL
          WHERE code = $1 AND seq = $2 AND state = 'parked' RETURNING seq`,
        [code, seq],
      );
      if (rows.length === 0) return false;
      await tx.query(`UPDATE ${S}.dossiers SET parked = false, updated_at = now() WHERE code = $1`, [code]);
      return true;
    });
  }

  async dossiers(codes: readonly string[]): Promise<Map<string, DossierSync>> {
    const { rows } = await this.db.query<{
      code: string;
      open_calls: number;
      attempts: number;
      parked: boolean;
      delivered_at: Date | null;
      failing_since: Date | null;
      last_error: string | null;
    }>(
      `SELECT code, open_calls, attempts, parked, delivered_at, failing_since, last_error
         FROM ${S}.dossiers WHERE code = ANY($1::text[])`,
      [[...codes]],
    );
    return new Map(
      rows.map((r) => [
        r.code,
        {
          code: r.code,
          openCalls: r.open_calls,
          attempts: r.attempts,
          parked: r.parked,
          deliveredAt: r.delivered_at,
          failingSince: r.failing_since,
          lastError: r.last_error,
        },
      ]),
    );
  }

  async totals(): Promise<SyncTotals> {
    const { rows } = await this.db.query<{ pending: string; parked: string; oldest: Date | null }>(
      `SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
              count(*) FILTER (WHERE state = 'parked') AS parked,
              min(created_at) FILTER (WHERE state = 'pending') AS oldest
         FROM ${S}.calls WHERE state IN ('pending', 'parked')`,
    );
    const r = rows[0];
    return { pending: Number(r.pending), parked: Number(r.parked), oldestPending: r.oldest };
  }
}
