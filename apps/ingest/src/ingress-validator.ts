import { type OwnershipRules } from '@lgsp/auth';
import { Topics, type Domain } from '@lgsp/contracts';
import { validateRecords } from '@lgsp/domain-service';
import type { ConsumedRecord, DeadLetter, EventProducer } from '@lgsp/kafka';
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
    private readonly ownership: OwnershipRules,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    // The same checks as every consumer of a domain topic, then the aggregate key for the domain topic.
    const { valid, dead } = validateRecords(records, this.registry, this.domain, this.ownership);
    if (valid.length > 0)
      await this.producer.sendRaw(
        Topics.events(this.domain),
        valid.map(({ record, event }) => ({
          key: this.registry.keyOf(event.type, event.data) as string,
          value: record.value ?? Buffer.alloc(0),
          headers: record.headers,
        })),
      );
    return dead;
  }
}
