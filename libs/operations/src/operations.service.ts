import type { Kafka } from 'kafkajs';
import {
  repairAuditTrail,
  verifyAuditTopic,
  verifyAuditTrail,
  type AuditActor,
  type AuditKeyring,
  type OperatorAudit,
  type TrailReport,
} from '@lgsp/audit';
import { Topics } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import { rangeSize, type EventProducer, type KafkaSettings } from '@lgsp/kafka';
import { checkSchemaFiles, type SchemaCheckResult } from '@lgsp/schema-registry';
import { confirm, requireConfirmable, type Confirmation } from './confirmation';
import { DeadLetters, type DeadLetterDetail, type DeadLetterEntry, type RedriveResult } from './dead-letters';
import {
  deadLetterFilter,
  deadLetterIds,
  flag,
  record,
  replayInput,
  requiredText,
  selectsAny,
  text,
  type Input,
} from './operation-input';
import { planReplay, replay, type ReplayResult } from './replay';
import { groupsLag, topicsOverview, type GroupLag, type TopicOverview } from './topics-overview';

export interface OperationsDeps {
  kafka: Kafka;
  /** the hub's topics (a redrive makes sure its ledger exists) */
  settings: KafkaSettings;
  /** what replays write with; connects on first use, so read-only work never connects it */
  producer: EventProducer;
  /** where each write is recorded, with the operator, before and after it runs */
  audit: OperatorAudit;
  /** the published audit keys that signatures are checked against */
  keyring: AuditKeyring;
}

/** What a long operation tells the surface that runs it. */
export interface RunHooks {
  /** stops at the next safe point (between acknowledged batches); the result says where to resume */
  signal?: AbortSignal;
  /** once checked and confirmed, as the work begins: how many records it reads, where known */
  onStart?: (total?: number) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The operator's operations, behind every surface (the `lgsp` CLI, the admin API): the input checked
 * (operation-input), bulk writes confirmed (confirmation), each write recorded in the operator audit
 * trail with who ran it, and the work itself. Surfaces authenticate the operator, turn their input
 * into these requests and render the results; nothing else.
 */
export class OperationsService {
  private readonly deadLetters: DeadLetters;

  constructor(private readonly deps: OperationsDeps) {
    this.deadLetters = new DeadLetters(deps.kafka, deps.settings);
  }

  /** The hub's topics (lgsp.*) with partitions, offsets, retained records and retention. */
  topics(): Promise<TopicOverview[]> {
    return topicsOverview(this.deps.kafka);
  }

  /** Consumer groups and how far behind each is; `group` alone when given. */
  async lag(input: Input = {}): Promise<GroupLag[]> {
    return groupsLag(this.deps.kafka, text(input.group, 'group'));
  }

  /**
   * Copies a window of a topic into another (see replay()); a dry run counts what would move. A
   * replay that writes must be confirmed, and is audited as `replay` on its target.
   */
  async replay(
    actor: AuditActor,
    input: Input,
    confirmation: Confirmation,
    hooks: RunHooks = {},
  ): Promise<ReplayResult> {
    requiredText(input.source, 'source');
    if (!flag(input.dryRun, 'dryRun')) requireConfirmable(confirmation);
    const request = replayInput(input);
    const { ranges } = await planReplay(this.deps.kafka, request);
    if (!request.dryRun)
      await confirm(
        confirmation,
        () => `Replay up to ${rangeSize(ranges)} records from ${request.source} into ${request.target}?`,
      );
    hooks.onStart?.(rangeSize(ranges));
    const run = () =>
      replay(this.deps.kafka, this.deps.producer, {
        ...request,
        signal: hooks.signal,
        onProgress: hooks.onProgress && ((p) => hooks.onProgress?.(p.read, p.total)),
      });
    if (request.dryRun) return run();
    const { source, target, filter, ratePerSecond, allowTruncatedHistory } = request;
    return this.deps.audit.around(
      {
        actor,
        action: 'replay',
        target: target ?? source,
        params: {
          source,
          target: target ?? null,
          ...request.asked,
          filter,
          rate: ratePerSecond ?? null,
          ...(allowTruncatedHistory ? { allowTruncatedHistory } : {}),
        },
      },
      run,
    );
  }

  /** Dead letters in lgsp.dlq, newest last: those not yet redriven unless `includeRedriven`. */
  async listDeadLetters(filter: Input = {}, includeRedriven = false): Promise<DeadLetterEntry[]> {
    return this.deadLetters.list({ ...deadLetterFilter(filter), includeRedriven });
  }

  /** One dead letter with its headers and value. */
  async showDeadLetter(id: unknown): Promise<DeadLetterDetail> {
    return this.deadLetters.show(requiredText(id, 'id'));
  }

  /**
   * Sends dead letters back to their original topics, each at most once: those named by `ids`, else
   * all that `filter` selects. Always a bulk write: confirmed, and audited as `dlq.redrive`.
   */
  async redrive(
    actor: AuditActor,
    input: { ids?: unknown; filter?: unknown },
    confirmation: Confirmation,
    hooks: RunHooks = {},
  ): Promise<RedriveResult> {
    requireConfirmable(confirmation);
    const ids = deadLetterIds(input.ids);
    const filter = deadLetterFilter(record(input.filter, 'filter'));
    if (ids.length === 0 && !selectsAny(filter))
      throw new HubError(
        'LGSP_ERR_BAD_REQUEST',
        'name dead letters by id or select them with a filter (code, type, topic, since, until)',
      );
    await confirm(
      confirmation,
      async () =>
        `Redrive ${ids.length || (await this.deadLetters.list(filter)).length} dead letter(s) to their original topics?`,
    );
    hooks.onStart?.();
    return this.deps.audit.around(
      { actor, action: 'dlq.redrive', target: Topics.dlq, params: { ids, filter } },
      () =>
        this.deadLetters.redrive(ids, filter, actor.id, {
          signal: hooks.signal,
          onProgress: hooks.onProgress,
        }),
    );
  }

  /** The published keys the trail's signatures are checked against (GET /audit/keys). */
  auditKeys(): { keys: Record<string, string> } {
    return this.deps.keyring.toJson();
  }

  /** The chains in lgsp.audit alone (one per audit store and kind, one per CLI run), each checked. */
  verifyAuditTopic(): ReturnType<typeof verifyAuditTopic> {
    return verifyAuditTopic(this.deps.kafka, this.deps.keyring);
  }

  /** The operator chain of this surface's audit store, verified and reconciled with lgsp.audit. */
  verifyAuditTrail(): Promise<TrailReport> {
    return verifyAuditTrail([this.deps.audit.chain], this.deps.kafka, this.deps.keyring);
  }

  /**
   * Copies the entries of this surface's audit store missing from lgsp.audit again, audited as
   * `audit.repair`; answers what was copied and the trail verified after.
   */
  async repairAuditTrail(
    actor: AuditActor,
  ): Promise<{ copied: Record<string, number>; report: TrailReport | undefined }> {
    let report: TrailReport | undefined;
    const { copied } = await this.deps.audit.around(
      { actor, action: 'audit.repair', target: Topics.audit, params: {} },
      async () => {
        const repaired = await repairAuditTrail([this.deps.audit.chain], this.deps.kafka, this.deps.keyring);
        report = repaired.after;
        return { copied: repaired.copied, ok: repaired.after.ok };
      },
    );
    return { copied, report };
  }

  /** Every event schema compiled and each new version checked backward compatible (as CI does). */
  checkSchemas(): SchemaCheckResult {
    return checkSchemaFiles();
  }
}
