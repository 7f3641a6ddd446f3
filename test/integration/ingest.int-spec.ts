import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import { endOffsets, event, readAt, readFrom, submitted, uniqueDossierCode } from '@lgsp/testing';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const KEY = 'dev-publisher-key-000.00.01.H22';
const OTHER_AGENCY_KEY = 'dev-publisher-key-000.00.02.H22';

/** Ingest against the real broker and database: nothing here is mocked. */
describe('ingest (integration)', () => {
  const pgliteDir = mkdtempSync(join(tmpdir(), 'lgsp-ingest-'));
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    LGSP_PGLITE_DIR: pgliteDir,
    INGEST_BODY_LIMIT_BYTES: '65536',
  };
  const kafka = createKafka(loadKafkaSettings(env, 'ingest-test'));
  let sut: RunningApp;

  const post = (body: unknown, headers: Record<string, string> = {}, key = KEY) =>
    fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    sut = await startIngest(loadIngestConfig(env));
  }, 120_000);
  afterAll(async () => {
    await sut?.close();
  });

  it('writes an accepted event to the domain topic in the CloudEvents Kafka binding, keyed by MaHoSo', async () => {
    const code = uniqueDossierCode();
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(code, 7));
    const response = await post(ce);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { topic: string; partition: number; offset: string };
    expect(body.topic).toBe(Topics.events('dossier'));

    // Read where the hub says it wrote, not the whole shared topic.
    const record = await readAt(kafka, body.topic, body.partition, body.offset);
    expect(record?.headers.ce_id).toBe(ce.id);
    expect(record).toMatchObject({
      key: code,
      partition: body.partition,
      offset: body.offset,
      headers: expect.objectContaining({
        ce_specversion: '1.0',
        ce_source: ce.source,
        ce_type: 'vn.lgsp.dossier.submitted.v1',
        ce_subject: code,
        'content-type': 'application/json',
      }),
    });
    expect(JSON.parse(record?.value ?? 'null')).toEqual(ce.data);
  }, 60_000);

  it('returns the original result for a re-sent event, also after a restart, and refuses other content under the same id', async () => {
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 3));
    const first = (await (await post(ce)).json()) as Record<string, unknown>;
    const again = await post(ce);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...first, status: 200, duplicate: true });

    await sut.close();
    sut = await startIngest(loadIngestConfig(env));
    const afterRestart = await post(ce);
    expect(afterRestart.status).toBe(200);
    expect(await afterRestart.json()).toEqual({ ...first, status: 200, duplicate: true });

    const changed = await post({ ...ce, data: { ...ce.data, ChuHoSo: 'Trần Thị Bình' } });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ code: 'LGSP_ERR_DUPLICATE_CONFLICT' });
  }, 120_000);

  it('accepts binary mode and batches, with a result per batch event', async () => {
    const code = uniqueDossierCode();
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(code, 11));
    const binary = await fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': KEY,
        'ce-specversion': '1.0',
        'ce-id': ce.id,
        'ce-source': ce.source,
        'ce-type': ce.type,
      },
      body: JSON.stringify(ce.data),
    });
    expect(binary.status).toBe(202);

    const good = event('vn.lgsp.dossier.received.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 2,
      NgayTiepNhan: '2026-11-22T08:00:00+07:00',
      NgayHenTra: '2026-11-27T17:00:00+07:00',
    });
    const bad = event('vn.lgsp.dossier.received.v1', { MaHoSo: code, TrangThaiHoSo: 2 });
    const batch = await post([good, bad], { 'content-type': 'application/cloudevents-batch+json' });
    expect(batch.status).toBe(207);
    const { results } = (await batch.json()) as { results: { status: number; code?: string; id?: string }[] };
    expect(results.map((r) => [r.id, r.status, r.code])).toEqual([
      [good.id, 202, undefined],
      [bad.id, 422, 'LGSP_ERR_SCHEMA_INVALID'],
    ]);
  }, 60_000);

  it.each([
    ['no API key', () => post({}, {}, ''), 401, 'LGSP_ERR_UNAUTHENTICATED'],
    [
      'a source the agency is not granted',
      () =>
        post(event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 1)), {}, OTHER_AGENCY_KEY),
      403,
      'LGSP_ERR_FORBIDDEN',
    ],
    ['malformed JSON', () => post('{"specversion":'), 400, 'LGSP_ERR_MALFORMED_JSON'],
    [
      'a wrong content type',
      () => post('x', { 'content-type': 'text/plain' }),
      415,
      'LGSP_ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a body over the limit', () => post({ pad: 'x'.repeat(70_000) }), 413, 'LGSP_ERR_PAYLOAD_TOO_LARGE'],
    ['an unknown type', () => post(event('vn.lgsp.dossier.teleported.v1', {})), 422, 'LGSP_ERR_UNKNOWN_TYPE'],
    [
      'missing CloudEvents attributes',
      () => post({ specversion: '1.0', data: {} }),
      400,
      'LGSP_ERR_CLOUDEVENT_INVALID',
    ],
  ])(
    'answers %s with problem+json',
    async (_name, send, status, code) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status, code });
    },
    30_000,
  );

  it('moves valid Kafka-native events from the ingress topic to the domain topic and poison ones to the DLQ', async () => {
    const producer = new EventProducer(kafka);
    await producer.connect();
    try {
      const code = uniqueDossierCode();
      const valid = event('vn.lgsp.dossier.submitted.v1', submitted(code, 5));
      const invalid = event('vn.lgsp.dossier.submitted.v1', { MaHoSo: code, TrangThaiHoSo: 1 });
      const eventsFrom = await endOffsets(kafka, Topics.events('dossier'));
      const dlqFrom = await endOffsets(kafka, Topics.dlq);
      await producer.sendRaw(Topics.ingress('dossier'), [
        toKafkaRecord(valid, 'publisher-chosen-key'),
        toKafkaRecord(invalid, code),
      ]);

      const moved = await readFrom(
        kafka,
        Topics.events('dossier'),
        eventsFrom,
        (rs) => rs.some((r) => r.headers.ce_id === valid.id),
        60_000,
      );
      expect(moved.find((r) => r.headers.ce_id === valid.id)?.key).toBe(code);
      const dead = await readFrom(
        kafka,
        Topics.dlq,
        dlqFrom,
        (rs) => rs.some((r) => r.headers.ce_id === invalid.id),
        60_000,
      );
      expect(dead.find((r) => r.headers.ce_id === invalid.id)?.headers).toMatchObject({
        [DlqHeaders.originalTopic]: Topics.ingress('dossier'),
        [DlqHeaders.errorCode]: 'LGSP_ERR_SCHEMA_INVALID',
        [DlqHeaders.errorDetail]: expect.stringContaining('/data/MaTTHC'),
      });
    } finally {
      await producer.disconnect();
    }
  }, 120_000);
});
