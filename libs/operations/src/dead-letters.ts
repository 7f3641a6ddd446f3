import type { Kafka, Producer } from 'kafkajs';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import { ensureTopics, readRanges, resolveRange, type ConsumedRecord, type KafkaSettings } from '@lgsp/kafka';

export interface DeadLetterEntry {
  /** `<dlq partition>:<dlq offset>`: how operators name a dead letter */
  id: string;
  code: string;
  detail: string;
  type: string | null;
  source: string | null;
  eventId: string | null;
  key: string | null;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  consumerGroup: string | null;
  failedAt: string;
  /** set once redriven: when, by whom, where it went */
  redriven?: RedriveMark;
}

export interface DeadLetterDetail extends DeadLetterEntry {
  headers: Record<string, string>;
  /** the value as JSON when it parses, else as text */
  value: unknown;
}

export interface DeadLetterFilter {
  code?: string;
  type?: string;
  originalTopic?: string;
  since?: Date;
  until?: Date;
  /** include the ones already redriven (default: false) */
  includeRedriven?: boolean;
}

export interface RedriveMark {
  at: string;
  by: string;
  topic: string;
  partition: number;
  offset: string;
}

export interface RedriveResult {
  [key: string]: unknown;
  redriven: { id: string; topic: string; partition: number; offset: string }[];
  skipped: { id: string; reason: string }[];
  interrupted: boolean;
}

const LEDGER_KEY = (id: string) => `dlq:${id}`;

function toEntry(record: ConsumedRecord): DeadLetterEntry {
  const h = record.headers;
  return {
    id: `${record.partition}:${record.offset}`,
    code: h[DlqHeaders.errorCode] ?? 'UNKNOWN',
    detail: h[DlqHeaders.errorDetail] ?? '',
    type: h.ce_type ?? null,
    source: h.ce_source ?? null,
    eventId: h.ce_id ?? null,
    key: record.key,
    originalTopic: h[DlqHeaders.originalTopic] ?? '',
    originalPartition: Number(h[DlqHeaders.originalPartition] ?? '0'),
    originalOffset: h[DlqHeaders.originalOffset] ?? '',
    consumerGroup: h[DlqHeaders.consumerGroup] ?? null,
    failedAt: h[DlqHeaders.failedAt] ?? new Date(Number(record.timestamp)).toISOString(),
  };
}

function keep(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  if (filter.code && entry.code !== filter.code) return false;
  if (filter.type && entry.type !== filter.type) return false;
  if (filter.originalTopic && entry.originalTopic !== filter.originalTopic) return false;
  const at = new Date(entry.failedAt).getTime();
  if (filter.since && at < filter.since.getTime()) return false;
  if (filter.until && at >= filter.until.getTime()) return false;
  if (!filter.includeRedriven && entry.redriven) return false;
  return true;
}

/**
 * Dead letters in lgsp.dlq and their redrive. A redrive writes the original record (key, value,
 * headers without the DLQ ones) back to its original topic and partition and marks it in the
 * compacted ledger lgsp.dlq.redriven — both in one Kafka transaction, so a dead letter is redriven at
 * most once even when the tool crashes half-way. The fixed transactional id fences a second redrive
 * running at the same time.
 */
export class DeadLetters {
  constructor(
    private readonly kafka: Kafka,
    private readonly settings: KafkaSettings,
  ) {}

  private async readAll(topic: string): Promise<ConsumedRecord[]> {
    const records: ConsumedRecord[] = [];
    const ranges = await resolveRange(this.kafka, topic, { kind: 'earliest' });
    await readRanges(this.kafka, topic, ranges, async (batch) => void records.push(...batch));
    return records;
  }

  private async ledger(): Promise<Map<string, RedriveMark>> {
    const marks = new Map<string, RedriveMark>();
    const ledger = await this.readAll(Topics.dlqRedriven).catch((error: unknown) => {
      // No ledger yet: nothing was ever redriven.
      if (error instanceof HubError && error.code === 'LGSP_ERR_NOT_FOUND') return [];
      throw error;
    });
    for (const r of ledger) {
      if (r.key && r.value) marks.set(r.key, JSON.parse(r.value.toString('utf8')) as RedriveMark);
    }
    return marks;
  }

  private async records(): Promise<ConsumedRecord[]> {
    return this.readAll(Topics.dlq);
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
    const marks = await this.ledger();
    return (await this.records())
      .map((r) => {
        const entry = toEntry(r);
        const mark = marks.get(LEDGER_KEY(entry.id));
        return mark ? { ...entry, redriven: mark } : entry;
      })
      .filter((e) => keep(e, filter));
  }

  async show(id: string): Promise<DeadLetterDetail> {
    const record = (await this.records()).find((r) => `${r.partition}:${r.offset}` === id);
    if (!record) throw new HubError('LGSP_ERR_NOT_FOUND', `no dead letter ${id} in ${Topics.dlq}`);
    const mark = (await this.ledger()).get(LEDGER_KEY(id));
    const text = record.value?.toString('utf8') ?? '';
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: shown as text
    }
    return { ...toEntry(record), ...(mark ? { redriven: mark } : {}), headers: record.headers, value };
  }

  /**
   * Redrives the dead letters named by id (or all that the filter selects when ids is empty), in DLQ
   * order. Already redriven ones are skipped and reported. Stops between transactions on `signal`.
   */
  async redrive(
    ids: string[],
    filter: DeadLetterFilter,
    actor: string,
    options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<RedriveResult> {
    const producer: Producer = this.kafka.producer({
      transactionalId: 'lgsp-dlq-redrive',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await ensureTopics(this.kafka, this.settings);
    await producer.connect();
    try {
      // Begin (and so fence any other redriver) before reading the ledger: what it says then is final.
      const probe = await producer.transaction();
      await probe.abort();
      const marks = await this.ledger();
      const all = await this.records();
      const byId = new Map(all.map((r) => [`${r.partition}:${r.offset}`, r]));
      const result: RedriveResult = { redriven: [], skipped: [], interrupted: false };
      let chosen: ConsumedRecord[];
      if (ids.length > 0) {
        chosen = [];
        for (const id of ids) {
          const record = byId.get(id);
          if (record) chosen.push(record);
          else result.skipped.push({ id, reason: 'not found' });
        }
      } else {
        chosen = all.filter((r) => keep(toEntry(r), { ...filter, includeRedriven: true }));
      }
      const todo = chosen.filter((r) => {
        const id = `${r.partition}:${r.offset}`;
        if (!marks.has(LEDGER_KEY(id))) return true;
        result.skipped.push({ id, reason: 'already redriven' });
        return false;
      });
      for (let i = 0; i < todo.length; i += 100) {
        if (options.signal?.aborted) {
          result.interrupted = true;
          break;
        }
        const chunk = todo.slice(i, i + 100);
        const tx = await producer.transaction();
        try {
          const delivered = [];
          for (const record of chunk) {
            const entry = toEntry(record);
            if (!entry.originalTopic)
              throw new HubError('LGSP_ERR_BAD_REQUEST', `dead letter ${entry.id} has no original topic`);
            const headers = Object.fromEntries(
              Object.entries(record.headers).filter(([name]) => !name.startsWith('lgsp_dlq_')),
            );
            const [meta] = await tx.send({
              topic: entry.originalTopic,
              acks: -1,
              messages: [
                {
                  key: record.key,
                  value: record.value,
                  partition: entry.originalPartition,
                  headers: { ...headers, lgsp_redrive_of: `${Topics.dlq}:${entry.id}` },
                },
              ],
            });
            delivered.push({
              id: entry.id,
              topic: entry.originalTopic,
              partition: meta.partition,
              offset: meta.baseOffset ?? '',
            });
          }
          const at = new Date().toISOString();
          await tx.send({
            topic: Topics.dlqRedriven,
            acks: -1,
            messages: delivered.map((d) => ({
              key: LEDGER_KEY(d.id),
              value: JSON.stringify({
                at,
                by: actor,
                topic: d.topic,
                partition: d.partition,
                offset: d.offset,
              }),
            })),
          });
          await tx.commit();
          result.redriven.push(...delivered);
        } catch (error) {
          await tx.abort().catch(() => undefined);
          throw error;
        }
        options.onProgress?.(result.redriven.length, todo.length);
      }
      return result;
    } finally {
      await producer.disconnect();
    }
  }
}
