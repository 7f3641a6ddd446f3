import type { ValidEvent } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';

/** Marks CloudEvents identities applied in `<schema>.applied_events`; returns the ones that were new. */
export async function claimEvents<E extends ValidEvent>(
  tx: Queryable,
  schema: string,
  events: E[],
): Promise<E[]> {
  const keyOf = (v: E) => JSON.stringify([v.event.source, v.event.id]);
  if (events.length === 0) return [];
  const { rows } = await tx.query<{ event_key: string }>(
    `INSERT INTO ${schema}.applied_events (event_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING event_key`,
    [[...new Set(events.map(keyOf))]],
  );
  const fresh = new Set(rows.map((r) => r.event_key));
  return events.filter((v) => fresh.delete(keyOf(v))); // first occurrence of each new event only
}

/** Runs a projection's batch inside the caller's transaction when it holds one (a rebuild's switch), else in its own. */
export function withinTransaction<T>(
  store: { transaction<U>(work: (tx: Queryable) => Promise<U>): Promise<U> },
  tx: Queryable | undefined,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return tx ? work(tx) : store.transaction(work);
}
