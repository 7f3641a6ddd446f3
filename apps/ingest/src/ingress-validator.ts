import { type ApiKeyRegistry, type Caller, type OwnershipRules } from '@lgsp/auth';
import { Topics, type Domain } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import type { ConsumedRecord, DeadLetter, EventProducer } from '@lgsp/kafka';
import { validateRecords, type SchemaRegistry } from '@lgsp/schema-registry';

/**
 * Kafka-native publishers write to their own topic lgsp.ingress.<domain>.<agency> (only that agency's
 * Kafka principal may write it), or an operator's redrive to the shared lgsp.ingress.<domain>. Each
 * record is checked as ingest checks an HTTP publish; valid ones move to the domain topic (keyed by the
 * aggregate id, headers kept), the rest go to lgsp.dlq with the reason.
 */
export class IngressValidator {
  constructor(
    private readonly domain: Domain,
    private readonly registry: SchemaRegistry,
    private readonly producer: EventProducer,
    private readonly ownership: OwnershipRules,
    /**
     * The agency whose own topic this is. Kafka does not pass the producing principal to consumers:
     * the topic stands for it (its ACL admits that agency alone), so every event in it must carry
     * that agency's grants, types and sources, as if it had come over HTTP with the agency's key.
     */
    private readonly publisher?: { agency: string; caller?: Caller; callers: ApiKeyRegistry },
  ) {}

  async handle(records: ConsumedRecord[]): Promise<DeadLetter[]> {
    // The same checks as every consumer of a domain topic, then the aggregate key for the domain topic.
    const { valid, dead } = validateRecords(records, this.registry, this.domain, this.ownership);
    const accepted = this.publisher ? valid.filter((v) => this.fromPublisher(v, dead)) : valid;
    if (accepted.length > 0)
      await this.producer.sendRaw(
        Topics.events(this.domain),
        accepted.map(({ record, key }) => ({
          key,
          value: record.value ?? Buffer.alloc(0),
          headers: record.headers,
        })),
      );
    return dead;
  }

  private fromPublisher(
    { record, event }: { record: ConsumedRecord; event: { type: string; source: string } },
    dead: DeadLetter[],
  ): boolean {
    const { agency, caller, callers } = this.publisher!;
    try {
      if (!caller) throw new HubError('LGSP_ERR_FORBIDDEN', `${agency} is no longer a publisher of this hub`);
      callers.authorizePublish(caller, event.type, event.source);
      return true;
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      dead.push({
        record,
        code: error.code,
        detail: `ingress topic of ${agency}: ${error.detail ?? error.message}`,
      });
      return false;
    }
  }
}
