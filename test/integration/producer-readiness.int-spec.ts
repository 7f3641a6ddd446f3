import { randomUUID } from 'node:crypto';
import type { HubEvent } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import { createKafka, EventProducer, loadKafkaSettings } from '@lgsp/kafka';
import { event, NetworkSwitch, submitted, uniqueDossierCode } from '@lgsp/testing';

/**
 * Readiness of the producer must not say "up" while every produce fails. Here produce requests are lost
 * on the way to the (real) broker while metadata and producer ids still work, so the metadata probe alone
 * passes. Found by the cluster fault suite: readiness up for 12 s while every publish failed.
 */
describe('producer readiness while writes are refused (integration)', () => {
  const network = new NetworkSwitch();
  const kafka = createKafka(loadKafkaSettings(process.env, 'producer-readiness-test'), {
    socketFactory: network.socketFactory,
  });
  const topic = `lgsp.test.readiness.${randomUUID()}`;
  const producer = new EventProducer(kafka, { sendTimeoutMs: 2_000 });
  const admin = kafka.admin();

  const publish = () => {
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 3));
    return producer.publish(topic, ce as unknown as HubEvent, ce.data.MaHoSo);
  };

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1 }],
    });
    await producer.connect();
  }, 60_000);
  afterEach(() => network.restore());
  afterAll(async () => {
    // Sends abandoned at their deadline are retried by kafkajs in the background; let them end first.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('stays down while publishes keep failing and comes up with the first one that succeeds', async () => {
    network.swallowProduce();
    const refused = await publish().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HubError);
    expect((refused as HubError).code).toBe('LGSP_ERR_BROKER_UNAVAILABLE');

    // The topic's metadata looks writable (a leader, an in-sync replica), yet the last write failed.
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0].partitions[0].leader).toBeGreaterThanOrEqual(0);
    await expect(producer.assertCanProduce(1)).rejects.toThrow(/cannot produce since/);
    await expect(publish()).rejects.toBeInstanceOf(HubError);
    await expect(producer.assertCanProduce(1)).rejects.toThrow(/cannot produce since/);

    // Writes get through again: the next publish succeeds and readiness is up at once.
    network.restore();
    const delivered = await publish();
    expect(delivered).toMatchObject({ topic, partition: 0 });
    await expect(producer.assertCanProduce(1)).resolves.toBeUndefined();
  }, 90_000);

  it('comes up without traffic once no publish has failed for a while and the cluster looks writable', async () => {
    network.swallowProduce();
    await expect(publish()).rejects.toBeInstanceOf(HubError);
    await expect(producer.assertCanProduce(1)).rejects.toThrow();
    // No traffic (a load balancer took the instance out): after a quiet spell the metadata probe decides.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await expect(producer.assertCanProduce(1)).resolves.toBeUndefined();
    network.restore();
    await expect(publish()).resolves.toMatchObject({ topic });
  }, 90_000);

  it('goes down while a produce request waits longer than a few seconds for its answer', async () => {
    const patient = new EventProducer(kafka, { sendTimeoutMs: 20_000 });
    await patient.connect();
    try {
      network.swallowProduce();
      const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 3));
      const waiting = patient
        .publish(topic, ce as unknown as HubEvent, ce.data.MaHoSo)
        .catch((e: unknown) => e);
      await expect(patient.assertCanProduce(1)).resolves.toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      await expect(patient.assertCanProduce(1)).rejects.toThrow(/has waited \d+ ms/);
      // Its connection dropped, the request is sent again (kafkajs retries) or fails: it ends either way.
      network.restore();
      await waiting;
    } finally {
      await patient.disconnect();
    }
  }, 90_000);

  it('does not go down for a record Kafka will never take', async () => {
    const tooLarge = event('vn.lgsp.dossier.submitted.v1', {
      ...submitted(uniqueDossierCode(), 3),
      TrichYeu: 'x'.repeat(1_100_000),
    });
    const refused = await producer
      .publish(topic, tooLarge as unknown as HubEvent, tooLarge.data.MaHoSo)
      .catch((error: unknown) => error);
    expect((refused as HubError).code).toBe('LGSP_ERR_PAYLOAD_TOO_LARGE');
    await expect(producer.assertCanProduce(1)).resolves.toBeUndefined();
  }, 90_000);
});
