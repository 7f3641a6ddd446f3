import type { EventProducer } from '@lgsp/kafka';
import type { Database } from '@lgsp/store';
import type { AuditSigner } from './audit-keys';
import { SignedChain } from './signed-chain';

export interface AuditActor {
  id: string;
  name: string;
  role: string;
}

/** One operator action, as written to lgsp.audit. Parameters never hold secrets or record contents. */
export interface OperatorAuditEntry {
  kind: 'operator-action';
  /** the operator chain (one per audit store; one per process where there is no store) */
  chain: string;
  at: string;
  keyId?: string;
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

type ActionRecord = Omit<OperatorAuditEntry, 'kind' | 'at' | 'via' | 'chain' | 'keyId'>;

/**
 * Writes operator actions before and after they run, in a signed chain of their own (table
 * audit.operator_entries, its own chain id), copied to lgsp.audit like the reads. Without a store
 * (the CLI) the chain is the process's own and each entry is in lgsp.audit before record() resolves.
 */
export class OperatorAudit {
  readonly chain: SignedChain<OperatorAuditEntry>;

  constructor(
    producer: EventProducer,
    private readonly via: OperatorAuditEntry['via'],
    signer: AuditSigner,
    db?: Database,
    onError?: (error: unknown) => void,
    /** the store schema of its tables (AUDIT_SCHEMA unless given) */
    schema?: string,
  ) {
    this.chain = new SignedChain<OperatorAuditEntry>('operator', db, producer, signer, onError, schema);
  }

  migrate(): Promise<void> {
    return this.chain.migrate();
  }

  async record(entry: ActionRecord): Promise<void> {
    await this.chain.append({
      kind: 'operator-action',
      at: new Date().toISOString(),
      via: this.via,
      ...entry,
    });
  }

  /** Runs an action between a "started" and a final entry; the final entry says how it ended. */
  async around<T extends Record<string, unknown>>(
    base: Omit<ActionRecord, 'outcome' | 'result'>,
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
