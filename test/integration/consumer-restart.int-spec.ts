import { randomUUID } from 'node:crypto';
import {
  createKafka,
  ConsumerRunner,
  EventProducer,
  loadKafkaSettings,
  type ConsumedRecord,
} from '@lgsp/kafka';
import { eventually } from '@lgsp/testing';

/**
 * A consumer that stops must not stay stopped: a start that fails (its topic not created yet — another service
 * creates it — or the broker unreachable) and a crash kafkajs does not restart are followed by a restart with
 * back-off, and readiness says so meanwhile.
 */
describe('consumer runner restarts (integration)', () => {
  it('reports a failed start, restarts with back-off, and consumes once the topic exists', async () => {
    const kafka = createKafka(loadKafkaSettings(process.env, 'restart-test'));
    const topic = `lgsp.test.restart.${randomUUID()}`;
    const producer = new EventProducer(kafka);
    await producer.connect();
    const received: ConsumedRecord[] = [];
    const statuses: string[] = [];
    const runner = new ConsumerRunner(kafka, producer, {
      groupId: `lgsp-restart-test-${randomUUID()}`,
      topics: [topic],
      handler: async (records) => {
        received.push(...records);
        return [];
      },
      initialRestartBackoffMs: 200,
      maxRestartBackoffMs: 1_000,
      onStatus: (s) => statuses.push(s),
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      runner.startInBackground();
      // The topic does not exist: the start fails and readiness reports it.
      await eventually(async () => (statuses.includes('crashed') ? true : undefined), 30_000);
      await expect(runner.assertRunning()).rejects.toThrow();

      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.sendRaw(topic, [{ key: 'k', value: Buffer.from('after the restart'), headers: {} }]);

      await eventually(async () => (received.length > 0 ? true : undefined), 60_000);
      expect(received.map((r) => r.value?.toString())).toEqual(['after the restart']);
      await expect(runner.assertRunning()).resolves.toBeUndefined();
      expect(statuses.at(-1)).toBe('connected');
    } finally {
      await runner.stop();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await producer.disconnect();
    }
  }, 120_000);
});
