import { assertMayChange, type OwnershipRules } from '@lgsp/auth';
import { domainOfType, isDomainEvent, type Domain, type DomainEvent } from '@lgsp/contracts';
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
import type { SchemaRegistry } from './schema-registry';

/** A consumed record whose event is valid: a member of its domain's events, with its aggregate key. */
export interface ValidEvent<D extends Domain = Domain> {
  record: ConsumedRecord;
  event: DomainEvent<D>;
  key: string;
}

/**
 * Decodes and validates consumed records where they are consumed (the topic may hold records other
 * producers wrote): events of the domain that match their schema, and dead letters for the rest.
 */
export function validateRecords<D extends Domain>(
  records: ConsumedRecord[],
  registry: SchemaRegistry,
  domain: D,
  /** when given, an event from a publisher that does not own its aggregate is a dead letter */
  ownership?: OwnershipRules,
): { valid: ValidEvent<D>[]; dead: DeadLetter[] } {
  const valid: ValidEvent<D>[] = [];
  const dead: DeadLetter[] = [];
  const unknownType = (record: ConsumedRecord, type: string): DeadLetter => ({
    record,
    code: 'LGSP_ERR_UNKNOWN_TYPE',
    detail: `unknown ${domain} event type ${type}`,
  });
  for (const record of records) {
    let event: CloudEvent;
    try {
      event = fromKafkaRecord(record.headers, record.value);
    } catch (error) {
      if (!(error instanceof CloudEventDecodeError)) throw error;
      dead.push({ record, code: 'LGSP_ERR_CLOUDEVENT_INVALID', detail: error.message });
      continue;
    }
    if (domainOfType(event.type) !== domain || !registry.has(event.type)) {
      dead.push(unknownType(record, event.type));
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
    const result = registry.validateEvent(event);
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
    // Its domain was checked above; this narrows the validated event to the domain's union.
    if (isDomainEvent(result.event, domain)) valid.push({ record, event: result.event, key: result.key });
    else dead.push(unknownType(record, event.type));
  }
  return { valid, dead };
}

function describe(issues: { pointer: string; message: string }[]): string {
  return issues.map((i) => `${i.pointer} ${i.message}`).join('; ');
}
