import { domainOfType, Topics, type Domain } from '@lgsp/contracts';
import {
  CloudEventDecodeError,
  fromKafkaRecord,
  type ConsumedRecord,
  type DeadLetter,
  type EventProducer,
} from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';

/**
 * Kafka-native publishers write to lgsp.ingress.<domain>. Each record is checked as ingest checks an
 * HTTP publish; valid ones move to the domain topic (keyed by the aggregate id, headers kept), the
 * rest go to lgsp.dlq with the reason.
 */
export class IngressValidator {
  constructor(
    private readonly domain: Domain,
    private readonly registry: SchemaRegistry,
    private readonly producer: EventProducer,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    const dead: DeadLetter[] = [];
    const valid: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
    for (const record of records) {
      const verdict = this.check(record);
      if ('code' in verdict) dead.push({ record, ...verdict });
      else valid.push({ key: verdict.key, value: record.value ?? Buffer.alloc(0), headers: record.headers });
    }
    if (valid.length > 0) await this.producer.sendRaw(Topics.events(this.domain), valid);
    return dead;
  }

  private check(record: ConsumedRecord): { key: string } | { code: string; detail: string } {
    let event;
    try {
      event = fromKafkaRecord(record.headers, record.value);
    } catch (error) {
      if (error instanceof CloudEventDecodeError)
        return { code: 'LGSP_ERR_CLOUDEVENT_INVALID', detail: error.message };
      throw error;
    }
    if (domainOfType(event.type) !== this.domain || !this.registry.has(event.type)) {
      return {
        code: 'LGSP_ERR_UNKNOWN_TYPE',
        detail: `type ${event.type} is not a ${this.domain} event type`,
      };
    }
    const result = this.registry.validate(event.type, event.data);
    if (!result.ok) {
      return {
        code: 'LGSP_ERR_SCHEMA_INVALID',
        detail: result.issues.map((i) => `${i.pointer} ${i.message}`).join('; '),
      };
    }
    return { key: this.registry.keyOf(event.type, event.data) as string };
  }
}
