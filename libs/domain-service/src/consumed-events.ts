import { assertMayChange, type OwnershipRules } from '@lgsp/auth';
import type { Domain } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import {
  CloudEventDecodeError,
  envelopeIssues,
  fromKafkaRecord,
  tooDeep,
  unstorableText,
  type CloudEvent,
  type ConsumedRecord,
  type DeadLetter,
} from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';

export interface ValidEvent<D = unknown, T extends string = string> {
  record: ConsumedRecord;
  event: CloudEvent<D>;
  type: T;
}

/**
 * Decodes and validates consumed records where they are consumed (the topic may hold records other
 * producers wrote): events of the domain that match their schema, and dead letters for the rest.
 */
export function validateRecords<D, T extends string>(
  records: ConsumedRecord[],
  registry: SchemaRegistry,
  domain: Domain,
  /** when given, an event from a publisher that does not own its aggregate is a dead letter */
  ownership?: OwnershipRules,
): { valid: ValidEvent<D, T>[]; dead: DeadLetter[] } {
  const valid: ValidEvent<D, T>[] = [];
  const dead: DeadLetter[] = [];
  for (const record of records) {
    let event: CloudEvent;
    try {
      event = fromKafkaRecord(record.headers, record.value);
    } catch (error) {
      if (!(error instanceof CloudEventDecodeError)) throw error;
      dead.push({ record, code: 'LGSP_ERR_CLOUDEVENT_INVALID', detail: error.message });
      continue;
    }
    if (!event.type.startsWith(`vn.lgsp.${domain}.`) || !registry.has(event.type)) {
      dead.push({
        record,
        code: 'LGSP_ERR_UNKNOWN_TYPE',
        detail: `unknown ${domain} event type ${event.type}`,
      });
      continue;
    }
    // The rules ingest applies at the HTTP edge, for records that came another way (ingress topics,
    // other producers, records written before a rule existed).
    const envelope = envelopeIssues(event);
    if (envelope.length > 0) {
      dead.push({ record, code: 'LGSP_ERR_CLOUDEVENT_INVALID', detail: describe(envelope) });
      continue;
    }
    const deep = tooDeep(event.data);
    if (deep) {
      dead.push({ record, code: 'LGSP_ERR_SCHEMA_INVALID', detail: `${deep.slice(0, 512)} nested too deep` });
      continue;
    }
    const unstorable = unstorableText(event.data);
    if (unstorable.length > 0) {
      dead.push({ record, code: 'LGSP_ERR_UNSTORABLE_TEXT', detail: describe(unstorable) });
      continue;
    }
    const result = registry.validate(event.type, event.data);
    if (!result.ok) {
      dead.push({ record, code: 'LGSP_ERR_SCHEMA_INVALID', detail: describe(result.issues) });
      continue;
    }
    if (ownership) {
      try {
        assertMayChange(event.type, event.data, event.source, ownership);
      } catch (error) {
        if (!(error instanceof HubError)) throw error;
        dead.push({ record, code: error.code, detail: error.detail ?? error.message });
        continue;
      }
    }
    valid.push({ record, event: event as CloudEvent<D>, type: event.type as T });
  }
  return { valid, dead };
}

function describe(issues: { pointer: string; message: string }[]): string {
  return issues.map((i) => `${i.pointer} ${i.message}`).join('; ');
}

/** Marks CloudEvents identities applied in `<schema>.applied_events`; returns the ones that were new. */
export async function claimEvents(
  tx: Queryable,
  schema: string,
  events: ValidEvent[],
): Promise<ValidEvent[]> {
  const keyOf = (v: ValidEvent) => JSON.stringify([v.event.source, v.event.id]);
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
