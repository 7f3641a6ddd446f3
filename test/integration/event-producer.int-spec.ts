import type { HubEvent } from '@lgsp/contracts';
import { createKafka, EventProducer, loadKafkaSettings } from '@lgsp/kafka';
import { createTestTopic, readAt, readToEnd } from '@lgsp/testing';

/**
 * The producer splits what it sends into requests under the broker's size limit (1 MiB per record batch
 * by default): a batch of dead letters or of concurrent publishes larger than that was refused whole
 * ("message larger than the max message size") and, for dead letters, held the partition for ever.
 */
describe(`${EventProducer.name} (integration)`, () => {
  const kafka = createKafka(loadKafkaSettings(process.env, 'producer-test'));
  let sut: EventProducer;

  beforeAll(async () => {
    sut = new EventProducer(kafka);
    await sut.connect();
  }, 60_000);
  afterAll(async () => {
    await sut?.disconnect();
  }, 60_000);

  const record = (n: number) => ({
    key: 'one-key',
    value: Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(20_000) })),
    headers: { ce_id: `e-${n}` },
  });

  it('writes 3 MB of raw records in one call, in order', async () => {
    const topic = await createTestTopic(kafka, 1);
    await sut.sendRaw(
      topic,
      Array.from({ length: 150 }, (_, n) => ({ ...record(n), partition: 0 })),
    );
    const stored = await readToEnd(kafka, topic);
    expect(stored.map((r) => r.headers.ce_id)).toEqual(Array.from({ length: 150 }, (_, n) => `e-${n}`));
  }, 60_000);

  it('acknowledges 3 MB of concurrent publishes to one partition, each at its own offset', async () => {
    const topic = await createTestTopic(kafka, 3);
    const event = (n: number): HubEvent => ({
      specversion: '1.0',
      id: `e-${n}`,
      source: '/000.00.01.H22/igate',
      type: 'vn.lgsp.dossier.withdrawn.v1',
      data: {
        MaHoSo: 'one-key',
        TrangThaiHoSo: 7,
        ThoiDiem: '2026-11-22T08:00:00+07:00',
        LyDo: 'x'.repeat(20_000),
      },
    });
    const deliveries = await Promise.all(
      Array.from({ length: 150 }, (_, n) => sut.publish(topic, event(n), 'one-key')),
    );
    for (const [n, delivery] of deliveries.entries()) {
      const stored = await readAt(kafka, topic, delivery.partition, delivery.offset);
      expect(stored?.headers.ce_id).toBe(`e-${n}`);
    }
  }, 120_000);
});
