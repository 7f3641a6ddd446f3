import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import { endOffsets, event, eventually, readToEnd, submitted, uniqueDossierCode } from '@lgsp/testing';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const KEY_01 = 'dev-publisher-key-000.00.01.H22';
const KEY_02 = 'dev-publisher-key-000.00.02.H22';

/** Issue 9, findings 2, 4 and 7: limits on every envelope attribute, characters PostgreSQL cannot store. */
describe('ingest: limits and characters (integration)', () => {
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-ingest-limits-')),
  };
  const kafka = createKafka(loadKafkaSettings(env, 'ingest-limits-test'));
  let sut: RunningApp;

  const post = (body: unknown, key = KEY_01, contentType = 'application/cloudevents+json') =>
    fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-api-key': key },
      body:
        typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });

  beforeAll(async () => {
    sut = await startIngest(loadIngestConfig(env));
  }, 120_000);
  afterAll(async () => {
    await sut?.close();
  }, 60_000);

  const valid = () => event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 4));

  it.each([
    ['an id of 20,000 characters', { id: 'x'.repeat(20_000) }, '/id'],
    ['an id with NUL', { id: 'evt\u0000nul' }, '/id'],
    ['an id with an unpaired surrogate', { id: 'evt-\ud800' }, '/id'],
    ['a source of 20,000 characters', { source: `/000.00.01.H22/${'s'.repeat(20_000)}` }, '/source'],
    ['a source with NUL', { source: '/000.00.01.H22/igate\u0000' }, '/source'],
    ['a subject with a newline', { subject: 'a\nb' }, '/subject'],
    ['a type of 1,000 characters', { type: `vn.lgsp.dossier.${'x'.repeat(1000)}` }, '/type'],
    ['an extension value of 5,000 characters', { traceparent: 'v'.repeat(5000) }, '/traceparent'],
    ['an extension name that is not lowercase', { BadName: 'x' }, '/BadName'],
  ])('answers 400 problem+json naming the attribute for %s', async (_name, change, pointer) => {
    const response = await post({ ...valid(), ...change });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: { pointer: string }[] };
    expect(problem.code).toBe('LGSP_ERR_CLOUDEVENT_INVALID');
    expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
  });

  it('refuses U+0000 inside the data with 422 and a pointer to it (structured and binary)', async () => {
    const ce = valid();
    const poisoned = { ...ce, data: { ...ce.data, ChuHoSo: 'Nguyễn\u0000Văn An' } };
    const response = await post(poisoned);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: 'LGSP_ERR_UNSTORABLE_TEXT',
      errors: [{ pointer: '/data/ChuHoSo' }],
    });
    const binary = await fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': KEY_01,
        'ce-specversion': '1.0',
        'ce-id': ce.id,
        'ce-source': ce.source,
        'ce-type': ce.type,
      },
      body: JSON.stringify(poisoned.data),
    });
    expect(binary.status).toBe(422);
  });

  it('answers invalid UTF-8 with a 400 that says so', async () => {
    const body = Buffer.concat([
      Buffer.from('{"specversion":"1.0","id":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const response = await post(body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('LGSP_ERR_MALFORMED_JSON');
    expect(problem.detail).toContain('not valid UTF-8');
  });

  it('answers data nested thousands deep with 422, not a crash', async () => {
    const ce = JSON.stringify({ ...valid(), data: null });
    const deep = ce.replace('"data":null', `"data":${'['.repeat(5000)}"x"${']'.repeat(5000)}`);
    const response = await post(deep);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'LGSP_ERR_SCHEMA_INVALID' });
  });

  it('answers invalid UTF-8 in another media type with 415', async () => {
    const response = await post(Buffer.from([0x7b, 0xff, 0x7d]), KEY_01, 'application/octet-stream');
    expect(response.status).toBe(415);
  });

  it('answers headers over the HTTP limit with problem+json', async () => {
    const response = await fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY_01, 'ce-id': 'i'.repeat(20_000) },
      body: '{}',
    });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'LGSP_ERR_HEADERS_TOO_LARGE' });
  });

  it('answers a batch with one id twice and other content with a conflict for the second', async () => {
    const first = valid();
    const second = { ...valid(), id: first.id };
    const response = await post([first, second], KEY_01, 'application/cloudevents-batch+json');
    const { results } = (await response.json()) as { results: { status: number; code?: string }[] };
    expect(results.map((r) => r.status)).toEqual([202, 409]);
    expect(results[1].code).toBe('LGSP_ERR_DUPLICATE_CONFLICT');
  });

  it("never fails one caller's valid publishes because of another caller's bad requests", async () => {
    const bad = () => post({ ...valid(), id: `${'x'.repeat(20_000)}\u0000` }).then((r) => r.status);
    const good = () =>
      post(
        event(
          'vn.lgsp.dossier.submitted.v1',
          submitted(uniqueDossierCode('000.00.02.H22'), 9, new Date(), '000.00.02.H22'),
          '/000.00.02.H22/igate',
        ),
        KEY_02,
      ).then((r) => r.status);
    for (let round = 0; round < 3; round++) {
      const statuses = await Promise.all([
        ...Array.from({ length: 4 }, bad),
        ...Array.from({ length: 50 }, good),
      ]);
      expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
      expect(new Set(statuses.slice(4))).toEqual(new Set([202]));
    }
  }, 60_000);

  it('sends a Kafka-native event with U+0000 or an oversized id to the DLQ, never to the domain topic', async () => {
    const dlqStart = await endOffsets(kafka, Topics.dlq);
    const eventsStart = await endOffsets(kafka, Topics.events('dossier'));
    const nul = valid();
    const nulEvent = { ...nul, data: { ...nul.data, DiaChiChuHoSo: 'số 1\u0000' } };
    const longId = { ...valid(), id: 'y'.repeat(5000) };
    const fine = valid();
    const producer = new EventProducer(kafka);
    await producer.connect();
    try {
      await producer.sendRaw(Topics.ingress('dossier'), [
        toKafkaRecord(nulEvent, 'k'),
        toKafkaRecord(longId, 'k'),
        toKafkaRecord(fine, 'k'),
      ]);
    } finally {
      await producer.disconnect();
    }
    const dead = await eventually(async () => {
      const rs = await readToEnd(kafka, Topics.dlq, dlqStart);
      const mine = rs.filter((r) => r.headers.ce_id === nul.id || r.headers.ce_id === longId.id);
      return mine.length === 2 ? mine : undefined;
    }, 60_000);
    expect(Object.fromEntries(dead.map((r) => [r.headers.ce_id, r.headers[DlqHeaders.errorCode]]))).toEqual({
      [nul.id]: 'LGSP_ERR_UNSTORABLE_TEXT',
      [longId.id]: 'LGSP_ERR_CLOUDEVENT_INVALID',
    });
    const moved = await eventually(async () => {
      const rs = await readToEnd(kafka, Topics.events('dossier'), eventsStart);
      return rs.some((r) => r.headers.ce_id === fine.id) ? rs : undefined;
    }, 60_000);
    expect(moved.filter((r) => r.headers.ce_id === nul.id || r.headers.ce_id === longId.id)).toEqual([]);
  }, 120_000);
});
