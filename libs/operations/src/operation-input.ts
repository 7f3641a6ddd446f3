import { HubError } from '@lgsp/core';
import { parsePosition, type Position } from '@lgsp/kafka';
import type { DeadLetterFilter } from './dead-letters';
import type { RecordFilter } from './replay';

/**
 * What the operator surfaces receive, before validation: text from the command line or JSON from an
 * HTTP body. Every field is checked here, once, for the CLI and the admin API alike; a bad one is a
 * 400 (LGSP_ERR_BAD_REQUEST, or LGSP_ERR_BAD_POSITION for a position) that names it.
 */
export type Input = Record<string, unknown>;

const bad = (detail: string) => new HubError('LGSP_ERR_BAD_REQUEST', detail);

/** Optional text; empty counts as absent. */
export function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(`${name} must be a string`);
  return value;
}

export function requiredText(value: unknown, name: string): string {
  const result = text(value, name);
  if (result === undefined) throw bad(`${name} is required`);
  return result;
}

/** Optional object of named fields (a filter); absent is empty. */
export function record(value: unknown, name: string): Input {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${name} must be an object`);
  return value as Input;
}

/** Optional yes/no, absent is no. */
export function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw bad(`${name} must be true or false`);
  return value;
}

/** Optional whole number above 0, as a JSON number or as typed on a command line. */
export function positiveInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
    throw bad(`${name} must be a whole number above 0`);
  return n;
}

/** Optional topic position: earliest, latest, last:N, P:O[,P:O…] or an ISO 8601 time with zone. */
export function position(value: unknown, name: string): Position | undefined {
  const raw = text(value, name);
  return raw === undefined ? undefined : parsePosition(raw);
}

/** Optional ISO 8601 time with its zone. */
export function time(value: unknown, name: string): Date | undefined {
  const p = position(value, name);
  if (p === undefined) return undefined;
  if (p.kind !== 'timestamp') throw bad(`${name} must be an ISO 8601 time with zone`);
  return p.at;
}

/** The selection of dead letters: code, type, original topic, failed since/until. */
export function deadLetterFilter(input: Input = {}): DeadLetterFilter {
  return {
    code: text(input.code, 'code'),
    type: text(input.type, 'type'),
    originalTopic: text(input.topic, 'topic'),
    since: time(input.since, 'since'),
    until: time(input.until, 'until'),
  };
}

export function selectsAny(filter: DeadLetterFilter): boolean {
  return Boolean(filter.code || filter.type || filter.originalTopic || filter.since || filter.until);
}

/** Dead letters named by id (`PARTITION:OFFSET` in lgsp.dlq); absent is none. */
export function deadLetterIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id === ''))
    throw bad('ids must be a list of dead-letter ids (PARTITION:OFFSET)');
  return value as string[];
}

/** A replay request, checked: where from, where to, which window, which records, how fast. */
export interface ReplayInput {
  source: string;
  target?: string;
  dryRun: boolean;
  from: Position;
  to: Position;
  filter: RecordFilter;
  ratePerSecond?: number;
  allowTruncatedHistory: boolean;
  /** the window as asked for, for the audit trail */
  asked: { from: unknown; until: unknown };
}

/**
 * Fields: source, target, dryRun, from, until, last (the last N of each partition; wins over from), key,
 * type, eventSource, rate, allowTruncatedHistory. The CLI's flags name them the same, except --to
 * (target), --source (eventSource) and the dashed spellings.
 */
export function replayInput(input: Input): ReplayInput {
  const source = requiredText(input.source, 'source');
  const dryRun = flag(input.dryRun, 'dryRun');
  const target = text(input.target, 'target');
  if (!dryRun && !target) throw bad('a replay needs a target topic (--to, "target") or a dry run');
  if (target === source) throw bad('the target topic must not be the source topic');
  const last = positiveInt(input.last, 'last');
  const from = last !== undefined ? { kind: 'last' as const, count: last } : position(input.from, 'from');
  const to = position(input.until, 'until');
  return {
    source,
    target,
    dryRun,
    from: from ?? { kind: 'earliest' },
    to: to ?? { kind: 'latest' },
    filter: {
      key: text(input.key, 'key'),
      type: text(input.type, 'type'),
      source: text(input.eventSource, 'eventSource'),
    },
    ratePerSecond: positiveInt(input.rate, 'rate'),
    allowTruncatedHistory: flag(input.allowTruncatedHistory, 'allowTruncatedHistory'),
    asked: {
      from: last ?? text(input.from, 'from') ?? 'earliest',
      until: text(input.until, 'until') ?? 'latest',
    },
  };
}
