import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import {
  endOffsets,
  event,
  NetworkSwitch,
  readFrom,
  readToEnd,
  submitted,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const KEY = 'dev-publisher-key-000.00.01.H22';

/** The ingest service loses its network to the (real, still running) broker. */
describe('ingest when Kafka is unreachable (integration)', () => {
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-ingest-down-')),
  };
  const network = new NetworkSwitch();
  let sut: RunningApp;

  const post = (body: unknown) =>
    fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': KEY },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sut = await startIngest(loadIngestConfig(env), { kafka: { socketFactory: network.socketFactory } });
  }, 120_000);
  afterAll(async () => {
    network.restore();
    await sut?.close();
  });

  it('answers 503 with Retry-After, writes nothing, and accepts the same event once the broker is back', async () => {
    const code = uniqueDossierCode();
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(code, 5));
    const kafka = createKafka(loadKafkaSettings(process.env, 'ingest-down-test'));
    const before = await endOffsets(kafka, Topics.events('dossier'));

    network.cut();
    const refused = await post(ce);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ status: 503, code: 'LGSP_ERR_BROKER_UNAVAILABLE' });

    // The claim on (source, id) was released: the publisher's retry is a first publish, not a 409/425.
    network.restore();
    const retried = await post(ce);
    expect(retried.status).toBe(202);

    const copies = (await readToEnd(kafka, Topics.events('dossier'), before)).filter(
      (r) => r.headers.ce_id === ce.id,
    );
    expect(copies).toHaveLength(1);

    // The ingress validator (a consumer cut off too) is back as well: a Kafka-native event gets through.
    // Closing before it has recovered would leave its restart running past the test.
    const native = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 6));
    const producer = new EventProducer(kafka);
    await producer.connect();
    try {
      const from = await endOffsets(kafka, Topics.events('dossier'));
      await producer.sendRaw(Topics.ingress('dossier'), [toKafkaRecord(native, native.data.MaHoSo)]);
      await readFrom(
        kafka,
        Topics.events('dossier'),
        from,
        (rs) => rs.some((r) => r.headers.ce_id === native.id),
        90_000,
      );
    } finally {
      await producer.disconnect();
    }
  }, 180_000);
});
