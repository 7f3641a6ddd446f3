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
];

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'done'; digest: string; delivery: Delivery }
  | { kind: 'pending'; digest: string };

interface ClaimRequest {
  source: string;
  id: string;
  digest: string;
}

/** A claim left pending this long belongs to a publish that crashed; it may be taken over. */
const ABANDONED_AFTER_SECONDS = 60;

/**
 * Receipts of accepted events, keyed by (source, id), so a re-sent event gets its original result,
 * across restarts. A publish first claims its key, then writes to Kafka, then completes the receipt;
 * concurrent publishes share one statement per step.
 */
export class ReceiptRepository {
  private readonly claims = new MicroBatcher<ClaimRequest, Claim>((items) => this.claimMany(items), 1000);
  private readonly completions = new MicroBatcher<ClaimRequest & { delivery: Delivery }, void>(
    (items) => this.completeMany(items),
    1000,
  );

  constructor(private readonly db: Database) {}

  migrate(): Promise<void> {
    return migrate(this.db, 'ingest', ingestMigrations);
  }

  claim(source: string, id: string, digest: string): Promise<Claim> {
    return this.claims.add({ source, id, digest });
  }

  complete(source: string, id: string, digest: string, delivery: Delivery): Promise<void> {
    return this.completions.add({ source, id, digest, delivery });
  }

  async release(source: string, id: string): Promise<void> {
    await this.db.query(`DELETE FROM ingest.receipts WHERE source = $1 AND id = $2 AND state = 'pending'`, [
      source,
      id,
    ]);
  }

  private async claimMany(items: ClaimRequest[]): Promise<Claim[]> {
    // The same key twice in one batch: only the first may claim it.
    const firstIndex = new Map<string, number>();
    items.forEach((it, i) => firstIndex.has(k(it)) || firstIndex.set(k(it), i));
    const unique = [...firstIndex.values()].map((i) => items[i]);
    const params: unknown[] = [];
    const values = unique.map((it, i) => {
      params.push(it.source, it.id, it.digest);
      return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3}, 'pending')`;
    });
    const inserted = await this.db.query<{ source: string; id: string }>(
      `INSERT INTO ingest.receipts (source, id, digest, state) VALUES ${values.join(', ')}
       ON CONFLICT (source, id) DO NOTHING RETURNING source, id`,
      params,
    );
    const claimed = new Set(inserted.rows.map(k));
    const conflicts = unique.filter((it) => !claimed.has(k(it)));
    const existing = new Map<string, Claim>();
    for (const it of conflicts) {
      existing.set(k(it), await this.existing(it));
      if (existing.get(k(it))?.kind === 'claimed') claimed.add(k(it));
    }
    return items.map((it, i) => {
      if (firstIndex.get(k(it)) !== i) return { kind: 'pending', digest: it.digest };
      if (claimed.has(k(it))) return { kind: 'claimed' };
      return existing.get(k(it)) ?? { kind: 'pending', digest: it.digest };
    });
  }

  private async existing(it: ClaimRequest): Promise<Claim> {
    const taken = await this.db.query(
      `UPDATE ingest.receipts SET digest = $3, created_at = now()
       WHERE source = $1 AND id = $2 AND state = 'pending' AND created_at < now() - make_interval(secs => $4)
       RETURNING source`,
      [it.source, it.id, it.digest, ABANDONED_AFTER_SECONDS],
    );
    if (taken.rows.length > 0) return { kind: 'claimed' };
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
    if (!row) return this.claimMany([it]).then((r) => r[0]);
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
      params.push(it.source, it.id, it.delivery.topic, it.delivery.partition, it.delivery.offset);
      const b = i * 5;
      return `($${b + 1}::text, $${b + 2}::text, $${b + 3}::text, $${b + 4}::integer, $${b + 5}::bigint)`;
    });
    await this.db.query(
      `UPDATE ingest.receipts r SET state = 'done', topic = v.topic, kafka_partition = v.p, kafka_offset = v.o
       FROM (VALUES ${values.join(', ')}) AS v(source, id, topic, p, o)
       WHERE r.source = v.source AND r.id = v.id`,
      params,
    );
    return items.map(() => undefined);
  }
}

function k(it: { source: string; id: string }): string {
  return `${it.source}\u0000${it.id}`;
}
