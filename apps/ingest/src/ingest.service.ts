import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { ApiKeyRegistry, assertMayChange, type Caller, type OwnershipRules } from '@lgsp/auth';
import { domainOfType, Topics } from '@lgsp/contracts';
import { HubError, type ProblemDetails } from '@lgsp/core';
import {
  MAX_DATA_DEPTH,
  tooDeep,
  unstorableText,
  type CloudEvent,
  EventProducer,
  type Delivery,
} from '@lgsp/kafka';
import { MetricsRegistry } from '@lgsp/observability';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { OWNERSHIP_RULES } from './ingest.tokens';
import { ReceiptRepository } from './receipt.repository';

export interface Accepted {
  id: string;
  source: string;
  type: string;
  status: 202 | 200;
  /** true when this (source, id) had already been accepted: the original result is returned */
  duplicate: boolean;
  topic: string;
  partition: number;
  offset: string;
}

export type BatchItemResult = Accepted | (ProblemDetails & { id?: string; source?: string });

/** The rules of publishing: who may publish what, that it is valid, and that it is written once. */
@Injectable()
export class IngestService {
  private readonly published: Counter;
  private readonly latency: Histogram;

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly callers: ApiKeyRegistry,
    @Inject(OWNERSHIP_RULES) private readonly ownership: OwnershipRules,
    private readonly producer: EventProducer,
    private readonly receipts: ReceiptRepository,
    metrics: MetricsRegistry,
  ) {
    this.published = new Counter({
      name: 'lgsp_ingest_events_total',
      help: 'Events offered to ingest, by outcome',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    this.latency = new Histogram({
      name: 'lgsp_ingest_publish_seconds',
      help: 'Time from validated event to Kafka acknowledgement',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
      registers: [metrics],
    });
  }

  async publish(caller: Caller, event: CloudEvent): Promise<Accepted> {
    try {
      const result = await this.publishOne(caller, event);
      this.published.inc({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
      return result;
    } catch (error) {
      this.published.inc({ outcome: error instanceof HubError ? error.code : 'LGSP_ERR_INTERNAL' });
      throw error;
    }
  }

  /** Each event of a batch is judged on its own; one bad event does not fail the others. */
  async publishBatch(caller: Caller, events: (CloudEvent | HubError)[]): Promise<BatchItemResult[]> {
    return Promise.all(
      events.map(async (event) => {
        if (event instanceof HubError) return event.toProblem();
        try {
          return await this.publish(caller, event);
        } catch (error) {
          if (!(error instanceof HubError)) throw error;
          return { ...error.toProblem(), id: event.id, source: event.source };
        }
      }),
    );
  }

  private async publishOne(caller: Caller, event: CloudEvent): Promise<Accepted> {
    this.callers.authorizePublish(caller, event.type, event.source);
    const domain = domainOfType(event.type);
    if (!domain || !this.registry.has(event.type)) {
      throw new HubError(
        'LGSP_ERR_UNKNOWN_TYPE',
        `unknown event type ${event.type}; known: ${this.registry.types().join(', ')}`,
      );
    }
    const deep = tooDeep(event.data);
    if (deep)
      throw new HubError('LGSP_ERR_SCHEMA_INVALID', `data of ${event.type} is nested too deep`, [
        { pointer: deep.slice(0, 512), message: `nested deeper than ${MAX_DATA_DEPTH} levels` },
      ]);
    const unstorable = unstorableText(event.data);
    if (unstorable.length > 0)
      throw new HubError('LGSP_ERR_UNSTORABLE_TEXT', `data of ${event.type} cannot be stored`, unstorable);
    const result = this.registry.validateEvent(event);
    if (!result.ok)
      throw new HubError('LGSP_ERR_SCHEMA_INVALID', `data does not match ${event.type}`, result.issues);
    const { event: valid, key } = result;
    // Only the owner of the aggregate (or its delegate) changes it.
    assertMayChange(valid.type, valid.data, valid.source, this.ownership);

    const digest = createHash('sha256')
      .update(JSON.stringify([event.type, event.subject ?? null, event.data]))
      .digest('hex');
    const claim = await this.receipts.claim(event.source, event.id, digest);
    if (claim.kind !== 'claimed') {
      if (claim.digest !== digest) {
        throw new HubError(
          'LGSP_ERR_DUPLICATE_CONFLICT',
          `event ${event.id} from ${event.source} was accepted with other content`,
        );
      }
      if (claim.kind === 'pending') {
        throw new HubError(
          'LGSP_ERR_IN_PROGRESS',
          `event ${event.id} from ${event.source} is being published`,
          undefined,
          1,
        );
      }
      return this.accepted(event, claim.delivery, true);
    }

    const started = process.hrtime.bigint();
    let delivery: Delivery;
    try {
      delivery = await this.producer.publish(
        Topics.events(domain),
        { ...valid, subject: valid.subject ?? key },
        key,
      );
    } catch (error) {
      // Not written: free the claim so the publisher's retry is not refused.
      await this.receipts.release(event.source, event.id, claim.token);
      throw error;
    }
    this.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await this.receipts.complete(event.source, event.id, claim.token, delivery);
    return this.accepted(event, delivery, false);
  }

  private accepted(event: CloudEvent, delivery: Delivery, duplicate: boolean): Accepted {
    return {
      id: event.id,
      source: event.source,
      type: event.type,
      status: duplicate ? 200 : 202,
      duplicate,
      ...delivery,
    };
  }
}
