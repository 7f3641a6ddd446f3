import { Topics } from '@lgsp/contracts';
import type { EventProducer } from '@lgsp/kafka';

export interface AuditActor {
  id: string;
  name: string;
  role: string;
}

/** One operator action, as written to lgsp.audit. Parameters never hold secrets or record contents. */
export interface OperatorAuditEntry {
  kind: 'operator-action';
  at: string;
  actor: AuditActor;
  /** e.g. replay, rebuild, dlq.redrive */
  action: string;
  /** what it acted on: a topic, a read model, dead-letter ids */
  target: string;
  params: Record<string, unknown>;
  /** started, completed, interrupted, failed */
  outcome: 'started' | 'completed' | 'interrupted' | 'failed';
  result?: Record<string, unknown>;
  /** how the action was asked for */
  via: 'cli' | 'admin-api';
}

/** Writes operator actions to the audit topic (acks=all) before and after they run. */
export class OperatorAudit {
  constructor(
    private readonly producer: EventProducer,
    private readonly via: OperatorAuditEntry['via'],
  ) {}

  async record(entry: Omit<OperatorAuditEntry, 'kind' | 'at' | 'via'>): Promise<void> {
    const full: OperatorAuditEntry = {
      kind: 'operator-action',
      at: new Date().toISOString(),
      via: this.via,
      ...entry,
    };
    await this.producer.sendRaw(Topics.audit, [
      {
        key: entry.actor.id,
        value: Buffer.from(JSON.stringify(full)),
        headers: { 'content-type': 'application/json', lgsp_audit_kind: full.kind },
      },
    ]);
  }

  /** Runs an action between a "started" and a final entry; the final entry says how it ended. */
  async around<T extends Record<string, unknown>>(
    base: Omit<OperatorAuditEntry, 'kind' | 'at' | 'via' | 'outcome' | 'result'>,
    work: () => Promise<T & { interrupted?: boolean }>,
  ): Promise<T & { interrupted?: boolean }> {
    await this.record({ ...base, outcome: 'started' });
    try {
      const result = await work();
      await this.record({ ...base, outcome: result.interrupted ? 'interrupted' : 'completed', result });
      return result;
    } catch (error) {
      await this.record({
        ...base,
        outcome: 'failed',
        result: { error: error instanceof Error ? error.message : String(error) },
      });
      throw error;
    }
  }
}
