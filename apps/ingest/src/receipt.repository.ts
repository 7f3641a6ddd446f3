import { randomUUID } from 'node:crypto';
import type { OnModuleInit } from '@nestjs/common';
import { MicroBatcher } from '@lgsp/core';
import type { Delivery } from '@lgsp/kafka';
import { migrate, type Database } from '@lgsp/store';

export const ingestMigrations = [
  `CREATE TABLE ingest.receipts (
     source text NOT NULL,
     id text NOT NULL,
     digest text NOT NULL,
     state text NOT NULL CHECK (state IN ('pending', 'done')),
     topic text,
     kafka_partition integer,
     kafka_offset bigint,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (source, id)
   )`,
  // Who holds a pending claim: only that publish may complete or release it.
  `ALTER TABLE ingest.receipts ADD COLUMN claim_token text`,
];

export type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'done'; digest: string; delivery: Delivery }
  | { kind: 'pending'; digest: string };

interface ClaimRequest {
  source: string;
  id: string;
  digest: string;
  token: string;
}

/** One item's outcome inside a shared statement: a failing item fails alone. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface ReceiptOptions {
  /**
   * A claim left pending this long belongs to a publish that crashed and may be taken over. Must be
   * longer than the longest a publish can take (the producer's send timeout), so that a live publish
   * is never taken over while its record may still be written.
   */
  abandonedAfterSeconds: number;
}

/**
 * Receipts of accepted events, keyed by (source, id), so a re-sent event gets its original result,
 * across restarts. A publish first claims its key, then writes to Kafka, then completes the receipt;
 * concurrent publishes share one statement per step. A statement that fails is retried item by item,
 * so one caller's bad row never fails another caller's publish.
 */
export class ReceiptRepository implements OnModuleInit {
  private readonly claims = new MicroBatcher<ClaimRequest, Outcome<Claim>>(
    (items) => this.isolated(items, (batch) => this.claimMany(batch)),
    1000,
  );
  private readonly completions = new MicroBatcher<ClaimRequest & { delivery: Delivery }, Outcome<void>>(
    (items) => this.isolated(items, (batch) => this.completeMany(batch)),
    1000,
  );

  constructor(
    private readonly db: Database,
    private readonly options: ReceiptOptions = { abandonedAfterSeconds: 60 },
  ) {}

  migrate(): Promise<void> {
    return migrate(this.db, 'ingest', ingestMigrations);
  }

  /** The schema is migrated before the app serves or consumes. */
  onModuleInit(): Promise<void> {
    return this.migrate();
  }

  async claim(source: string, id: string, digest: string): Promise<Claim> {
    return unwrap(await this.claims.add({ source, id, digest, token: randomUUID() }));
  }

  /** Marks the receipt done, if this publish still holds the claim (`token` from claim()). */
  async complete(source: string, id: string, token: string, delivery: Delivery): Promise<void> {
    unwrap(await this.completions.add({ source, id, digest: '', token, delivery }));
  }

  /** Frees a claim this publish holds, so the publisher's retry is a first publish. */
  async release(source: string, id: string, token: string): Promise<void> {
    await this.db.query(
      `DELETE FROM ingest.receipts WHERE source = $1 AND id = $2 AND state = 'pending' AND claim_token = $3`,
      [source, id, token],
    );
  }

  /** Runs one statement for all items; if it fails, each item alone, so that only a bad item fails. */
  private async isolated<T, R>(items: T[], work: (batch: T[]) => Promise<R[]>): Promise<Outcome<R>[]> {
    try {
      return (await work(items)).map((value) => ({ ok: true, value }));
    } catch (error) {
      if (items.length === 1) return [{ ok: false, error }];
      const outcomes: Outcome<R>[] = [];
      for (const item of items) {
        try {
          outcomes.push({ ok: true, value: (await work([item]))[0] });
        } catch (itemError) {
          outcomes.push({ ok: false, error: itemError });
        }
      }
      return outcomes;
    }
  }

  private async claimMany(items: ClaimRequest[]): Promise<Claim[]> {
    // The same key twice in one batch: only the first may claim it; the others see its claim (so the
    // same id with other content is a conflict, the same content is in progress).
    const firstIndex = new Map<string, number>();
    items.forEach((it, i) => firstIndex.has(k(it)) || firstIndex.set(k(it), i));
    const unique = [...firstIndex.values()].map((i) => items[i]);
    const params: unknown[] = [];
    const values = unique.map((it, i) => {
      params.push(it.source, it.id, it.digest, it.token);
      return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, 'pending', $${i * 4 + 4})`;
    });
    const inserted = await this.db.query<{ source: string; id: string }>(
      `INSERT INTO ingest.receipts (source, id, digest, state, claim_token) VALUES ${values.join(', ')}
       ON CONFLICT (source, id) DO NOTHING RETURNING source, id`,
      params,
    );
    const claimed = new Set(inserted.rows.map(k));
    const existing = new Map<string, Claim>();
    for (const it of unique.filter((u) => !claimed.has(k(u)))) existing.set(k(it), await this.existing(it));
    return items.map((it, i) => {
      const first = items[firstIndex.get(k(it)) ?? i];
      if (first !== it) return { kind: 'pending', digest: first.digest };
      if (claimed.has(k(it))) return { kind: 'claimed', token: it.token };
      return existing.get(k(it)) ?? { kind: 'pending', digest: it.digest };
    });
  }

  private async existing(it: ClaimRequest): Promise<Claim> {
    const taken = await this.db.query(
      `UPDATE ingest.receipts SET digest = $3, claim_token = $4, created_at = now()
       WHERE source = $1 AND id = $2 AND state = 'pending' AND created_at < now() - make_interval(secs => $5)
       RETURNING source`,
      [it.source, it.id, it.digest, it.token, this.options.abandonedAfterSeconds],
    );
    if (taken.rows.length > 0) return { kind: 'claimed', token: it.token };
    const { rows } = await this.db.query<{
      digest: string;
      state: string;
      topic: string | null;
      kafka_partition: number | null;
      kafka_offset: string | null;
    }>(
      `SELECT digest, state, topic, kafka_partition, kafka_offset::text FROM ingest.receipts WHERE source = $1 AND id = $2`,
      [it.source, it.id],
    );
    const row = rows[0];
    if (!row) return (await this.claimMany([it]))[0]; // released meanwhile: claim it now
    if (
      row.state === 'done' &&
      row.topic !== null &&
      row.kafka_partition !== null &&
      row.kafka_offset !== null
    ) {
      return {
        kind: 'done',
        digest: row.digest,
        delivery: { topic: row.topic, partition: row.kafka_partition, offset: row.kafka_offset },
      };
    }
    return { kind: 'pending', digest: row.digest };
  }

  private async completeMany(items: (ClaimRequest & { delivery: Delivery })[]): Promise<void[]> {
    const params: unknown[] = [];
    const values = items.map((it, i) => {
      params.push(it.source, it.id, it.token, it.delivery.topic, it.delivery.partition, it.delivery.offset);
      const b = i * 6;
      return `($${b + 1}::text, $${b + 2}::text, $${b + 3}::text, $${b + 4}::text, $${b + 5}::integer, $${b + 6}::bigint)`;
    });
    // A claim taken over meanwhile is left to its new holder: its record is in Kafka too, and consumers
    // apply the event once.
    await this.db.query(
      `UPDATE ingest.receipts r SET state = 'done', topic = v.topic, kafka_partition = v.p, kafka_offset = v.o
       FROM (VALUES ${values.join(', ')}) AS v(source, id, token, topic, p, o)
       WHERE r.source = v.source AND r.id = v.id AND r.state = 'pending' AND r.claim_token = v.token`,
      params,
    );
    return items.map(() => undefined);
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function k(it: { source: string; id: string }): string {
  return `${it.source}\u0000${it.id}`;
}
