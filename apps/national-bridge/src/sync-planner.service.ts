import { Inject, Injectable } from '@nestjs/common';
import type { OwnershipRules } from '@lgsp/auth';
import type { ConsumedRecord } from '@lgsp/kafka';
import {
  planDelivery,
  type DossierEvent,
  type DossierRecord,
  type DvcqgMappingOptions,
  type NationalCall,
} from '@lgsp/national';
import { InjectLogger, type Logger } from '@lgsp/observability';
import { validateRecords, type SchemaRegistry } from '@lgsp/schema-registry';
import { BridgeMetrics } from './bridge.metrics';
import { SyncRepository } from './sync.repository';

/** What the planner needs besides the repository: the schemas, the owners, the mapping options. */
export interface PlannerParts {
  registry: SchemaRegistry;
  ownership: OwnershipRules;
  mapping: DvcqgMappingOptions;
}

export const PLANNER_PARTS = Symbol('LGSP_NATIONAL_PLANNER_PARTS');

/**
 * Dossier events into national calls: each record is validated again (schema, envelope, owner), folded into
 * its dossier's record in order, and planned (planDelivery); the records, the calls and the consumed offset
 * are written in one transaction. A record at or before the stored offset was applied already and is passed
 * over, so a batch that comes back after a crash plans nothing twice.
 *
 * A record that fails validation is skipped here, not dead-lettered: the dossier service consumes the same
 * topic and dead-letters it (one dead letter per bad record, from the domain's own service).
 */
@Injectable()
export class SyncPlanner {
  constructor(
    private readonly repository: SyncRepository,
    @Inject(PLANNER_PARTS) private readonly parts: PlannerParts,
    private readonly metrics: BridgeMetrics,
    @InjectLogger() private readonly log: Logger,
  ) {}

  /** One batch of one partition, in offset order; returns the dossiers that got new calls. */
  async plan(records: ConsumedRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    const { topic, partition } = records[0];
    const { valid, dead } = validateRecords(records, this.parts.registry, 'dossier', this.parts.ownership);
    for (const d of dead) {
      this.metrics.skipped.inc({ reason: d.code });
      this.log.warn(
        { topic, partition, offset: d.record.offset, code: d.code },
        'dossier record not valid: nothing goes national',
      );
    }
    const last = BigInt(records[records.length - 1].offset);
    return this.repository.transaction(async (tx) => {
      const from = await this.repository.nextOffset(tx, topic, partition);
      const fresh = valid.filter((v) => BigInt(v.record.offset) >= from);
      const codes = [...new Set(fresh.map((v) => v.event.data.MaHoSo))];
      const known = await this.repository.loadRecords(tx, codes);
      const changed = new Map<string, { record: DossierRecord; nextSeq: number; added: number }>();
      const calls: { code: string; seq: number; call: NationalCall }[] = [];
      for (const { event } of fresh) {
        const code = event.data.MaHoSo;
        const current: { record?: DossierRecord; nextSeq: number; added?: number } = changed.get(code) ??
          known.get(code) ?? { nextSeq: 0 };
        const plan = planDelivery(
          current.record,
          { id: event.id, type: event.type, data: event.data } as DossierEvent,
          this.parts.mapping,
        );
        if (plan.kind === 'duplicate') continue;
        if (plan.kind === 'refused') {
          this.metrics.skipped.inc({ reason: 'lifecycle' });
          this.log.info({ code, eventId: event.id, reason: plan.reason }, 'event refused by the lifecycle');
          continue;
        }
        plan.calls.forEach((call, i) => calls.push({ code, seq: current.nextSeq + i, call }));
        changed.set(code, {
          record: plan.record,
          nextSeq: current.nextSeq + plan.calls.length,
          added: (current.added ?? 0) + plan.calls.length,
        });
      }
      await this.repository.savePlanned(
        tx,
        [...changed].map(([code, d]) => ({ code, ...d })),
        calls,
      );
      if (last + 1n > from) await this.repository.saveOffset(tx, topic, partition, last + 1n);
      this.metrics.planned.inc(calls.length);
      return [...changed.keys()];
    });
  }
}
