import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, loadKafkaSettings, readRanges, type ConsumedRecord } from '@lgsp/kafka';
import { event, NetworkSwitch, submitted, uniqueDossierCode } from '@lgsp/testing';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const KEY = 'dev-publisher-key-000.00.01.H22';

interface Receipt {
  id: string;
  topic: string;
  partition: number;
  offset: string;
}

/** The one record at a partition/offset, read from the topic itself. */
async function recordAt(kafka: Kafka, at: Receipt): Promise<ConsumedRecord | undefined> {
  const found: ConsumedRecord[] = [];
  const end = (BigInt(at.offset) + 1n).toString();
  await readRanges(kafka, at.topic, [{ partition: at.partition, start: at.offset, end }], async (rs) => {
    found.push(...rs);
  });
  return found[0];
}

function received(code: string, hour: string) {
  return event('vn.lgsp.dossier.received.v1', {
    MaHoSo: code,
    TrangThaiHoSo: 2,
    NgayTiepNhan: `2026-11-22T${hour}:00:00+07:00`,
    NgayHenTra: '2026-11-27T17:00:00+07:00',
  });
}

function ingestEnv(extra: Record<string, string> = {}) {
  return {
    ...process.env,
    INGEST_PORT: '0',
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-ingest-delivery-')),
    ...extra,
  };
}

function poster(sut: () => RunningApp) {
  return (body: unknown) =>
    fetch(`${sut().url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': KEY },
      body: JSON.stringify(body),
    });
}

/**
 * Issue 9, finding 1: a produce request that the broker stored but whose answer was lost made the next,
 * different event come back 202 with the stored event's offset — and that event was never written.
 * The fault is real: requests reach the running broker, only its answers are dropped at the socket.
 */
describe('ingest: a 2xx names the event stored at that offset, also after a lost answer (integration)', () => {
  const env = ingestEnv({ INGEST_PUBLISH_TIMEOUT_MS: '3000' });
  const network = new NetworkSwitch();
  const kafka = createKafka(loadKafkaSettings(env, 'ingest-delivery-test'));
  let sut: RunningApp;
  const post = poster(() => sut);

  beforeAll(async () => {
    sut = await startIngest(loadIngestConfig(env), {
      kafka: { socketFactory: network.socketFactory, requestTimeout: 1000 },
    });
  }, 120_000);
  afterAll(async () => {
    network.restore();
    await sut?.close();
  }, 60_000);

  it('acknowledges the next event at its own offset, and readiness is down while it cannot produce', async () => {
    const code = uniqueDossierCode();
    // Same dossier, so the same partition: the next event would reuse the lost request's numbering.
    const warmUp = event('vn.lgsp.dossier.submitted.v1', submitted(code, 1));
    expect((await post(warmUp)).status).toBe(202);

    network.dropResponses();
    const lost = received(code, '08');
    const refused = await post(lost);
    expect(refused.status).toBe(503);
    const ready = await fetch(`${sut.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('kafka-produce');
    network.restore();

    const next = received(code, '09');
    const accepted = await post(next);
    expect(accepted.status).toBe(202);
    const receipt = (await accepted.json()) as Receipt;
    const stored = await recordAt(kafka, receipt);
    expect(stored?.headers.ce_id).toBe(next.id);

    // The publisher's retry of the refused event is accepted and names its own record.
    const retried = await post(lost);
    expect(retried.status).toBe(202);
    expect((await recordAt(kafka, (await retried.json()) as Receipt))?.headers.ce_id).toBe(lost.id);
    expect((await fetch(`${sut.url}/health/ready`)).status).toBe(200);
  }, 120_000);
});

/**
 * Issue 9, finding 5: a publish could wait on Kafka past the age at which its pending claim is taken
 * over by the publisher's retry, so both wrote the event. A publish now gives up within its timeout
 * (far below the take-over age), and only the holder of a claim completes or releases it.
 */
describe('ingest: a publish never outlives its claim (integration)', () => {
  const env = ingestEnv({ INGEST_PUBLISH_TIMEOUT_MS: '2000' });
  const network = new NetworkSwitch();
  let sut: RunningApp;
  const post = poster(() => sut);

  beforeAll(async () => {
    // kafkajs's own request timeout stays at its default (30 s): the publish timeout must bound it.
    sut = await startIngest(loadIngestConfig(env), { kafka: { socketFactory: network.socketFactory } });
  }, 120_000);
  afterAll(async () => {
    network.restore();
    await sut?.close();
  }, 60_000);

  it('answers 503 within the publish timeout when Kafka does not answer, and the retry is a first publish', async () => {
    const warmUp = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 2));
    expect((await post(warmUp)).status).toBe(202);
    network.dropResponses();
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 3));
    const started = Date.now();
    const refused = await post(ce);
    expect(refused.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(6000);
    network.restore();
    expect((await post(ce)).status).toBe(202);
  }, 20_000);

  it('refuses a take-over age that a live publish could outlast', () => {
    expect(() =>
      loadIngestConfig({ INGEST_PUBLISH_TIMEOUT_MS: '40000', INGEST_CLAIM_TAKEOVER_SECONDS: '60' }),
    ).toThrow('INGEST_CLAIM_TAKEOVER_SECONDS');
  });
});
