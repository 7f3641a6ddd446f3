import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { HubError } from '@lgsp/core';
import {
  applyIsolatingPoison,
  planRange,
  readRanges,
  rangeSize,
  resolveRange,
  truncatedHistory,
  type ConsumedRecord,
  type DeadLetter,
  type HistoryGap,
  type PartitionRange,
} from '@lgsp/kafka';
import type { Database, Queryable } from '@lgsp/store';

const MAX_REPORTED_REFUSALS = 100;

/** Runs `work` in a savepoint of `tx`, rolled back to if it fails, so the transaction goes on. */
async function inSavepoint<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  await tx.query('SAVEPOINT rebuild_part');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await tx.query('ROLLBACK TO SAVEPOINT rebuild_part');
    throw error;
  }
  await tx.query('RELEASE SAVEPOINT rebuild_part');
  return result;
}

export type RebuildState = 'running' | 'switching' | 'completed' | 'failed' | 'cancelled';

export interface RebuildStatus {
  id: string;
  state: RebuildState;
  requestedBy: string;
  topic: string;
  startedAt: string;
  finishedAt?: string;
  /** records in the topic when the rebuild started */
  total: number;
  processed: number;
  /**
   * records the projection refused: invalid ones and those the store can never accept. They are
   * skipped, not dead-lettered: the live projection reads the same records and has sent each to
   * lgsp.dlq once already; sending them again on every rebuild would duplicate dead letters.
   */
  refused: number;
  /** where the first refused records are (at most MAX_REPORTED_REFUSALS), with their codes */
  refusals?: { partition: number; offset: string; code: string }[];
  eventsPerSecond: number;
  /** parts of the topic's history that were already gone, when the operator chose to rebuild without them */
  historyGaps?: HistoryGap[];
  error?: string;
}

export interface RebuildOptions {
  /** rebuild from what the topic still holds even when the start of its history is gone */
  allowTruncatedHistory?: boolean;
}

/** A read model that lives in one schema of the service's store and can be created in another. */
export interface ReadModel {
  readonly schema: string;
  /** creates the model's tables in its schema */
  migrate(): Promise<void>;
}

/** What a rebuild needs of a domain: the live model, the same model in another schema, and its projection. */
export interface RebuildableModel<R extends ReadModel> {
  live: R;
  in(schema: string): R;
  /** the projection into `repository`; applies a batch inside `tx` when given */
  projection(repository: R): { handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]> };
}

/**
 * Rebuilds a read model from its topic without downtime for readers: the projection fills
 * a schema beside the live one from the first offset, then, in one transaction that holds back the
 * live projection, catches up to the end of the topic and swaps the schemas by renaming them. Readers
 * see the old model until the commit and the new one after; the live projection resumes on the new
 * tables (events it then sees again are skipped by event id). Cancelling drops the side schema and
 * leaves the live model untouched.
 */
export class ReadModelRebuild<R extends ReadModel> {
  private current?: { status: RebuildStatus; abort: AbortController; done: Promise<RebuildStatus> };

  private readonly side: string;
  private readonly retired: string;

  constructor(
    private readonly db: Database,
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly model: RebuildableModel<R>,
  ) {
    this.side = `${model.live.schema}_rebuild`;
    this.retired = `${model.live.schema}_retired`;
  }

  /** A rebuild still running when the service shuts down is cancelled (its side schema dropped) first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.cancel();
  }

  status(): RebuildStatus | undefined {
    return this.current ? { ...this.current.status } : undefined;
  }

  /**
   * Starts a rebuild in the background; 409 while one runs, and 409 when the topic no longer holds its
   * whole history (a rebuild would silently miss the records gone) unless the caller allows it.
   */
  async start(requestedBy: string, options: RebuildOptions = {}): Promise<RebuildStatus> {
    const running = () => {
      const state = this.current?.status.state;
      if (state === 'running' || state === 'switching')
        throw new HubError('LGSP_ERR_ALREADY_RUNNING', `rebuild ${this.current?.status.id} is ${state}`);
    };
    running();
    await this.wholeHistory(options);
    running();
    const abort = new AbortController();
    const status: RebuildStatus = {
      id: randomUUID(),
      state: 'running',
      requestedBy,
      topic: this.topic,
      startedAt: new Date().toISOString(),
      total: 0,
      processed: 0,
      refused: 0,
      eventsPerSecond: 0,
    };
    const done = this.run(status, abort.signal, undefined, options);
    this.current = { status, abort, done };
    return { ...status };
  }

  /** Asks the running rebuild to stop; resolves with its final status. */
  async cancel(): Promise<RebuildStatus | undefined> {
    if (!this.current) return undefined;
    if (this.current.status.state === 'running') this.current.abort.abort();
    return this.current.done;
  }

  /** Resolves when the current rebuild ends. */
  async finished(): Promise<RebuildStatus | undefined> {
    return this.current?.done;
  }

  /** Runs a rebuild to its end (the benchmark calls this directly). */
  async run(
    status: RebuildStatus,
    signal: AbortSignal,
    onProgress?: (s: RebuildStatus) => void,
    options: RebuildOptions = {},
  ): Promise<RebuildStatus> {
    const began = Date.now();
    const beside = this.model.in(this.side);
    const projection = this.model.projection(beside);
    const apply = async (records: ConsumedRecord[], tx?: Queryable) => {
      // A record the store refuses for good is isolated and skipped, so it cannot fail the rebuild.
      // Inside the switch transaction each part runs in a savepoint: a failed statement would
      // otherwise abort the whole transaction.
      const { dead } = await applyIsolatingPoison(records, (part) =>
        tx ? inSavepoint(tx, () => projection.handle(part, tx)) : projection.handle(part),
      );
      status.refused += dead.length;
      const refusals = (status.refusals ??= []);
      for (const d of dead.slice(0, Math.max(0, MAX_REPORTED_REFUSALS - refusals.length)))
        refusals.push({ partition: d.record.partition, offset: d.record.offset, code: d.code });
      status.processed += records.length;
      status.eventsPerSecond = Math.round(status.processed / Math.max(0.001, (Date.now() - began) / 1000));
      onProgress?.({ ...status });
    };
    try {
      await this.db.query(`DROP SCHEMA IF EXISTS ${this.side} CASCADE`);
      await beside.migrate();
      // Checked again here: retention may have removed records since start() looked.
      const ranges = await this.wholeHistory(options, status);
      status.total = rangeSize(ranges);
      // PostgreSQL takes partitions in parallel on its own connections; PGlite has one connection.
      const concurrency = this.db.kind === 'postgres' ? 3 : 1;
      const outcome = await readRanges(
        this.kafka,
        this.topic,
        ranges,
        (records) => apply(records),
        signal,
        concurrency,
      );
      if (!outcome.completed) {
        await this.db.query(`DROP SCHEMA IF EXISTS ${this.side} CASCADE`);
        return this.end(status, 'cancelled');
      }
      status.state = 'switching';
      await this.db.transaction(async (tx) => {
        // The live projection's transactions start by writing applied_events: holding it back here
        // means nothing it writes can fall between the catch-up and the swap.
        if (this.db.kind === 'postgres')
          await tx.query(`LOCK TABLE ${this.model.live.schema}.applied_events IN EXCLUSIVE MODE`);
        const from = Object.fromEntries(Object.entries(outcome.next).map(([p, o]) => [Number(p), o]));
        const tail: PartitionRange[] = await resolveRange(this.kafka, this.topic, {
          kind: 'offsets',
          offsets: from,
        });
        status.total += rangeSize(tail);
        await readRanges(this.kafka, this.topic, tail, (records) => apply(records, tx));
        await tx.query(`DROP SCHEMA IF EXISTS ${this.retired} CASCADE`);
        await tx.query(`ALTER SCHEMA ${this.model.live.schema} RENAME TO ${this.retired}`);
        await tx.query(`ALTER SCHEMA ${this.side} RENAME TO ${this.model.live.schema}`);
      });
      await this.db.query(`DROP SCHEMA IF EXISTS ${this.retired} CASCADE`);
      return this.end(status, 'completed');
    } catch (error) {
      status.error = error instanceof Error ? error.message : String(error);
      await this.db.query(`DROP SCHEMA IF EXISTS ${this.side} CASCADE`).catch(() => undefined);
      return this.end(status, 'failed');
    }
  }

  /** The ranges of the whole topic; refuses a truncated history unless allowed (then noted in `status`). */
  private async wholeHistory(options: RebuildOptions, status?: RebuildStatus): Promise<PartitionRange[]> {
    const { ranges, gaps } = await planRange(this.kafka, this.topic, { kind: 'earliest' });
    if (gaps.length > 0 && !options.allowTruncatedHistory)
      throw truncatedHistory(
        this.topic,
        gaps,
        `a rebuild of the ${this.model.live.schema} read model`,
        'rebuild with --allow-truncated-history (admin API: "allowTruncatedHistory": true)',
      );
    if (gaps.length > 0 && status) status.historyGaps = gaps;
    return ranges;
  }

  private end(status: RebuildStatus, state: RebuildState): RebuildStatus {
    status.state = state;
    status.finishedAt = new Date().toISOString();
    return { ...status };
  }
}
