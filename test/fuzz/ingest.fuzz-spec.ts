import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, loadKafkaSettings, readRanges, type PartitionRange } from '@lgsp/kafka';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';
import {
  asStored,
  binaryHeaders,
  buildEvent,
  eventCase,
  oddString,
  PUBLISHERS,
  unstorableAt,
  type Domain,
  type EventCase,
} from './cloudevent-arbitraries';
import { announce, checkProperty, FUZZ_RUNS, readable } from './fuzz-settings';

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const DOMAINS: Domain[] = ['dossier', 'land', 'health'];

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: Record<string, unknown>;
}

/** What was sent, as the hub must understand it (undefined where the sender cannot know). */
interface Sent {
  id?: unknown;
  source?: unknown;
  type?: unknown;
  /** the data as JSON text, as the record's value must hold it */
  dataJson?: string;
  /** where the event holds NUL or a lone surrogate, if it does */
  unstorable?: string;
}

interface Acknowledged {
  topic: string;
  partition: number;
  offset: string;
  id: string;
  source: string;
  type: string;
  duplicate: boolean;
  dataJson?: string;
}

function sentOf(event: Record<string, unknown>): Sent {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    dataJson: event.data === undefined ? undefined : JSON.stringify(event.data),
    unstorable: unstorableAt(event),
  };
}

const short = (text: string): string =>
  text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text;

/**
 * Ingest under generated and mutated CloudEvents in the three HTTP modes and raw bodies, against the
 * real broker and PGlite. Per request: never a 5xx, always JSON, errors are problem+json with a code,
 * an event holding NUL or a lone surrogate is never accepted. At the end, from the topics themselves
 * (read from where they ended before the run): each acknowledged event is at its reported partition
 * and offset, once; nothing refused and nothing unacknowledged of this run is there.
 */
describe('ingest fuzz', () => {
  const run = `fz${randomUUID().slice(0, 8)}`;
  let counter = 0;
  const nextId = (): string => `${run}-${++counter}`;
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-fuzz-ingest-')),
    LOG_LEVEL: 'fatal',
  };
  const kafka = createKafka(loadKafkaSettings(env, 'ingest-fuzz'));
  const startOffsets = new Map<string, Map<number, bigint>>();
  const acknowledged: Acknowledged[] = [];
  const refused: { source: string; id: string }[] = [];
  /** ids sent in requests whose outcome is not known (a 5xx or a failed check): they may be stored */
  const uncertain = new Set<string>();

  /** Runs a check and names what was sent when it fails, as the counterexample shows it only in parts. */
  async function explaining(sent: unknown, ids: unknown[], check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (error) {
      for (const id of ids) if (typeof id === 'string') uncertain.add(asStored(id));
      const what = typeof sent === 'string' ? short(sent) : readable(sent);
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nsent: ${what}`);
    }
  }
  let sut: RunningApp;

  beforeAll(async () => {
    announce('ingest');
    sut = await startIngest(loadIngestConfig(env));
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const domain of DOMAINS) {
        const topic = Topics.events(domain);
        const offsets = await admin.fetchTopicOffsets(topic);
        startOffsets.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
      }
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
  afterAll(async () => {
    await sut?.close();
  }, 60_000);

  const send = async (
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string>,
  ): Promise<Answer> => {
    const response = await fetch(`${sut.url}/events`, { method: 'POST', headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status >= 500) throw new Error(`answered ${response.status}: ${short(text)}`);
    let body_: unknown;
    try {
      body_ = JSON.parse(text);
    } catch {
      throw new Error(
        `answered ${response.status} with a body that is not JSON (${contentType}): ${short(text)}`,
      );
    }
    if (body_ === null || typeof body_ !== 'object')
      throw new Error(`answered ${response.status} with JSON that is not an object: ${short(text)}`);
    if (response.status >= 400) {
      if (!contentType.startsWith('application/problem+json'))
        throw new Error(`error ${response.status} is not problem+json (${contentType}): ${short(text)}`);
      judgeProblem(body_ as Record<string, unknown>, response.status);
    }
    return { status: response.status, contentType, text, body: body_ as Record<string, unknown> };
  };

  function judgeProblem(problem: Record<string, unknown>, status: number): void {
    if (
      typeof problem.code !== 'string' ||
      !problem.code.startsWith('LGSP_ERR_') ||
      problem.status !== status
    )
      throw new Error(
        `problem without a code or with another status than ${status}: ${short(JSON.stringify(problem))}`,
      );
  }

  /** One event's outcome: an acknowledgement (checked later in the topic) or a refusal. */
  function judgeItem(item: Record<string, unknown>, sent: Sent): void {
    const status = Number(item.status);
    if (status >= 500 || Number.isNaN(status))
      throw new Error(`an event answered ${String(item.status)}: ${short(JSON.stringify(item))}`);
    if (status >= 400) {
      judgeProblem(item, status);
      if (typeof sent.id === 'string' && typeof sent.source === 'string')
        refused.push({ source: asStored(sent.source), id: asStored(sent.id) });
      return;
    }
    if (status !== 200 && status !== 202)
      throw new Error(`an event answered ${status}: ${JSON.stringify(item)}`);
    const { topic, partition, offset, id, source, type } = item;
    if (
      typeof topic !== 'string' ||
      typeof partition !== 'number' ||
      typeof offset !== 'string' ||
      !/^\d+$/.test(offset)
    )
      throw new Error(`an acknowledgement without topic/partition/offset: ${short(JSON.stringify(item))}`);
    if (typeof id !== 'string' || typeof source !== 'string' || typeof type !== 'string')
      throw new Error(`an acknowledgement without id/source/type: ${short(JSON.stringify(item))}`);
    if (sent.id !== undefined && (id !== sent.id || source !== sent.source || type !== sent.type))
      throw new Error(
        `acknowledged ${JSON.stringify([id, source, type])}, sent ${JSON.stringify([sent.id, sent.source, sent.type])}`,
      );
    acknowledged.push({
      topic,
      partition,
      offset,
      id: asStored(id),
      source: asStored(source),
      type,
      duplicate: item.duplicate === true,
      dataJson: sent.dataJson,
    });
    if (sent.unstorable)
      throw new Error(`accepted (${status}) an event holding NUL or a lone surrogate at ${sent.unstorable}`);
  }

  const auth = (c: EventCase): Record<string, string> => ({ 'x-api-key': PUBLISHERS[c.domain].key });

  it('structured mode: no 5xx, JSON answers, nothing unstorable accepted', async () => {
    await checkProperty(
      'structured mode',
      fc.asyncProperty(eventCase, async (c) => {
        const event = buildEvent(c, nextId());
        await explaining(event, [event.id], async () => {
          const answer = await send(JSON.stringify(event), { ...auth(c), 'content-type': STRUCTURED });
          judgeItem({ ...answer.body, status: answer.status }, sentOf(event));
        });
      }),
    );
  }, 300_000);

  it('binary mode: no 5xx, JSON answers, nothing unstorable accepted', async () => {
    await checkProperty(
      'binary mode',
      fc.asyncProperty(
        eventCase,
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
        async (c, contentType) => {
          const event = buildEvent(c, nextId());
          const headers = binaryHeaders(event);
          const body = event.data === undefined ? '' : JSON.stringify(event.data);
          await explaining({ headers, body }, [headers['ce-id']], async () => {
            const answer = await send(body, { ...auth(c), ...headers, 'content-type': contentType });
            // The hub sees the header values, not what they were made from.
            const seen = {
              ...sentOf(event),
              id: headers['ce-id'],
              source: headers['ce-source'],
              type: headers['ce-type'],
              unstorable: unstorableAt({ data: event.data, ...headers }),
            };
            judgeItem({ ...answer.body, status: answer.status }, seen);
          });
        },
      ),
    );
  }, 300_000);

  type BatchChange =
    | { kind: 'none' }
    | { kind: 'same-id'; from: number; to: number }
    | { kind: 'not-an-object'; at: number; value: unknown }
    | { kind: 'not-an-array'; value: unknown };

  const batchChange: fc.Arbitrary<BatchChange> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
    fc.record({ kind: fc.constant('same-id' as const), from: fc.nat(), to: fc.nat() }),
    fc.record({
      kind: fc.constant('not-an-object' as const),
      at: fc.nat(),
      value: fc.oneof(oddString, fc.integer(), fc.constant(null), fc.constant([])),
    }),
    fc.record({
      kind: fc.constant('not-an-array' as const),
      value: fc.oneof(oddString, fc.constant({}), fc.constant(null), fc.integer()),
    }),
  );

  it('batch mode: no 5xx, a result per event, nothing unstorable accepted', async () => {
    await checkProperty(
      'batch mode',
      fc.asyncProperty(
        fc.array(eventCase, { minLength: 1, maxLength: 12 }),
        batchChange,
        // Mostly the key of the first event's domain, so that most events can be accepted.
        fc.oneof(
          { weight: 4, arbitrary: fc.constant(undefined) },
          fc.constantFrom<Domain>('dossier', 'land', 'health'),
        ),
        async (cases, change, keyOf) => {
          const items: unknown[] = cases.map((c) => buildEvent(c, nextId()));
          if (change.kind === 'same-id') {
            const from = items[change.from % items.length] as Record<string, unknown>;
            (items[change.to % items.length] as Record<string, unknown>).id = from.id;
          }
          if (change.kind === 'not-an-object') items[change.at % items.length] = change.value;
          const body = change.kind === 'not-an-array' ? change.value : items;
          await explaining(
            body,
            items.map((item) => (item as { id?: unknown } | null)?.id),
            async () => {
              const answer = await send(JSON.stringify(body), {
                'x-api-key': PUBLISHERS[keyOf ?? cases[0].domain].key,
                'content-type': BATCH,
              });
              if (change.kind === 'not-an-array' || answer.status >= 400) {
                if (answer.status < 400)
                  throw new Error(`a batch that is not an array answered ${answer.status}`);
                return;
              }
              const results = answer.body.results;
              if (!Array.isArray(results) || results.length !== items.length)
                throw new Error(`${items.length} events, results: ${short(answer.text)}`);
              const allAccepted = results.every(
                (r: { status?: number }) => r.status === 200 || r.status === 202,
              );
              if (answer.status !== (allAccepted ? 200 : 207))
                throw new Error(`batch answered ${answer.status} for results ${short(answer.text)}`);
              results.forEach((result: Record<string, unknown>, i: number) => {
                const item = items[i];
                const sent =
                  item !== null && typeof item === 'object' && !Array.isArray(item)
                    ? sentOf(item as Record<string, unknown>)
                    : {};
                judgeItem(result, sent);
              });
            },
          );
        },
      ),
      Math.max(1, Math.ceil(FUZZ_RUNS / 2)),
    );
  }, 300_000);

  type Corruption =
    | { kind: 'invalid-utf8'; bytes: readonly number[] }
    | { kind: 'truncate'; at: number }
    | { kind: 'bytes'; bytes: Uint8Array }
    | { kind: 'text'; text: string }
    | { kind: 'bom' };

  const corruption: fc.Arbitrary<Corruption> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('invalid-utf8' as const),
        bytes: fc.constantFrom(
          [0xff],
          [0xc3, 0x28],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xe2, 0x82],
          [0xf4, 0x90, 0x80, 0x80],
          [0x80],
          [0xfe, 0xfe, 0xff, 0xff],
        ),
      }),
    },
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 2_000 }) }),
    fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 200 }) }),
    fc.constant({ kind: 'bom' as const }),
  );

  const isUtf8 = (bytes: Uint8Array): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return true;
    } catch {
      return false;
    }
  };

  it('raw bodies: invalid JSON and invalid UTF-8 get a 4xx problem, never a 5xx', async () => {
    await checkProperty(
      'raw bodies',
      fc.asyncProperty(
        eventCase,
        corruption,
        fc.constantFrom(
          STRUCTURED,
          BATCH,
          'application/json',
          'APPLICATION/CLOUDEVENTS+JSON; charset=utf-8',
          'application/json; charset=latin1',
          'text/plain',
          'application/octet-stream',
          '',
        ),
        async (c, change, contentType) => {
          const event = buildEvent(c, nextId());
          const json = Buffer.from(JSON.stringify(contentType === BATCH ? [event] : event), 'utf8');
          let body: Buffer;
          switch (change.kind) {
            case 'invalid-utf8': {
              // Inside the id's string, where a lenient decoder would quietly change the id.
              const at = json.indexOf('"id":"') + 6;
              body = Buffer.concat([json.subarray(0, at), Buffer.from(change.bytes), json.subarray(at)]);
              break;
            }
            case 'truncate':
              body = json.subarray(0, change.at % json.length);
              break;
            case 'bytes':
              body = Buffer.from(change.bytes);
              break;
            case 'text':
              body = Buffer.from(change.text, 'utf8');
              break;
            case 'bom':
              body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]);
              break;
          }
          const headers: Record<string, string> = { ...auth(c), 'content-type': contentType };
          if (contentType === 'application/json') Object.assign(headers, binaryHeaders(event));
          await explaining(body.toString('utf8'), [event.id], async () => {
            const answer = await send(Uint8Array.from(body), headers);
            if (!isUtf8(body)) {
              if (answer.status < 400) throw new Error(`a body that is not UTF-8 answered ${answer.status}`);
              if (/content-length/i.test(String(answer.body.detail)))
                throw new Error(`a body that is not UTF-8 is blamed on its length: ${short(answer.text)}`);
            }
            if (answer.status >= 400) return;
            // Accepted: checked in the topic like the others, by what the hub reported.
            const results = Array.isArray(answer.body.results)
              ? (answer.body.results as Record<string, unknown>[])
              : [{ ...answer.body, status: answer.status }];
            for (const result of results) judgeItem(result, {});
          });
        },
      ),
    );
  }, 300_000);

  it('answers headers over the HTTP limit with problem+json too', async () => {
    const answer = await send('{}', {
      'x-api-key': PUBLISHERS.dossier.key,
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': `${nextId()}-${'x'.repeat(20_000)}`,
      'ce-source': PUBLISHERS.dossier.source,
      'ce-type': 'vn.lgsp.dossier.submitted.v1',
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
  });

  it('every acknowledged event is in its topic once at its offset, and nothing refused is there', async () => {
    process.stderr.write(
      `[fuzz] ingest: ${acknowledged.length} acknowledged, ${refused.length} refused events\n`,
    );
    const admin = kafka.admin();
    await admin.connect();
    const windows = new Map<string, PartitionRange[]>();
    try {
      for (const [topic, starts] of startOffsets) {
        const ends = await admin.fetchTopicOffsets(topic);
        windows.set(
          topic,
          ends.map((e) => ({
            partition: e.partition,
            start: String(starts.get(e.partition) ?? 0n),
            end: e.high,
          })),
        );
      }
    } finally {
      await admin.disconnect();
    }
    interface Stored {
      id?: string;
      source?: string;
      type?: string;
      value: string | null;
    }
    const at = new Map<string, Stored>();
    const copies = new Map<string, number>();
    const keyOf = (topic: string, source: string | undefined, id: string | undefined): string =>
      `${topic}\u0000${source}\u0000${id}`;
    const inWindow: { topic: string; record: Stored }[] = [];
    const read = async (topic: string, ranges: PartitionRange[], count: boolean): Promise<void> => {
      await readRanges(kafka, topic, ranges, async (records) => {
        for (const r of records) {
          const record: Stored = {
            id: r.headers.ce_id,
            source: r.headers.ce_source,
            type: r.headers.ce_type,
            value: r.value?.toString('utf8') ?? null,
          };
          at.set(`${topic}:${r.partition}:${r.offset}`, record);
          if (!count) continue;
          inWindow.push({ topic, record });
          const key = keyOf(topic, record.source, record.id);
          copies.set(key, (copies.get(key) ?? 0) + 1);
        }
      });
    };
    for (const [topic, ranges] of windows) await read(topic, ranges, true);

    const failures: string[] = [];
    const startOf = (a: Acknowledged): bigint =>
      BigInt(windows.get(a.topic)?.find((r) => r.partition === a.partition)?.start ?? '0');
    // A re-sent event of an earlier run is acknowledged at its old offset: read just those offsets.
    const earlier = acknowledged.filter((a) => BigInt(a.offset) < startOf(a));
    for (const a of earlier) {
      if (!a.duplicate)
        failures.push(`${a.id}: new (202) but reported before this run, at ${a.partition}/${a.offset}`);
      else if (!at.has(`${a.topic}:${a.partition}:${a.offset}`))
        await read(
          a.topic,
          [{ partition: a.partition, start: a.offset, end: String(BigInt(a.offset) + 1n) }],
          false,
        );
    }
    const acknowledgedKeys = new Set<string>();
    for (const a of acknowledged) {
      acknowledgedKeys.add(keyOf(a.topic, a.source, a.id));
      const where = `${a.topic} ${a.partition}/${a.offset}`;
      const record = at.get(`${a.topic}:${a.partition}:${a.offset}`);
      if (!record) failures.push(`${JSON.stringify(a.id)}: acknowledged at ${where}, no record there`);
      else if (record.id !== a.id || record.source !== a.source || record.type !== a.type)
        failures.push(
          `${JSON.stringify(a.id)}: acknowledged at ${where}, which holds ${JSON.stringify([record.id, record.source, record.type])}`,
        );
      else if (a.dataJson !== undefined && record.value !== a.dataJson)
        failures.push(`${JSON.stringify(a.id)}: the data at ${where} is not the data sent`);
      const n = copies.get(keyOf(a.topic, a.source, a.id)) ?? 0;
      if (BigInt(a.offset) >= startOf(a) && n !== 1)
        failures.push(`${JSON.stringify(a.id)}: ${n} copies in ${a.topic}`);
    }
    const refusedKeys = new Set(refused.map((r) => `${r.source}\u0000${r.id}`));
    for (const { topic, record } of inWindow) {
      const key = keyOf(topic, record.source, record.id);
      if (acknowledgedKeys.has(key)) continue;
      if (refusedKeys.has(`${record.source}\u0000${record.id}`))
        failures.push(
          `${JSON.stringify(record.id)} from ${JSON.stringify(record.source)}: refused, yet in ${topic}`,
        );
      else if (record.id?.includes(run) && !uncertain.has(record.id))
        failures.push(`${JSON.stringify(record.id)}: in ${topic} but never acknowledged`);
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    expect({ failures: failures.length, first: failures.slice(0, 20) }).toEqual({ failures: 0, first: [] });
  }, 180_000);
});
