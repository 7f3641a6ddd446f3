import { loadKafkaSettings } from './kafka-config';
import { hubTopics } from './topic-admin';

const retentionOf = (env: Record<string, string>) =>
  Object.fromEntries(
    hubTopics(loadKafkaSettings({ KAFKA_SECURITY: 'plaintext', ...env }, 'test')).map((s) => [
      s.topic,
      s.config['retention.ms'],
    ]),
  );

describe(hubTopics.name, () => {
  it('keeps the domain topics (the system of record) forever by default; ingress and DLQ are bounded', () => {
    const retention = retentionOf({});
    expect(retention).toMatchObject({
      'lgsp.dossier.events': '-1',
      'lgsp.land.events': '-1',
      'lgsp.health.events': '-1',
      'lgsp.ingress.dossier': String(7 * 24 * 3600 * 1000),
      'lgsp.dlq': String(90 * 24 * 3600 * 1000),
      'lgsp.dlq.redriven': '-1',
      'lgsp.audit': '-1',
    });
  });

  it('takes each kind of topic from its own setting', () => {
    const retention = retentionOf({
      KAFKA_EVENTS_RETENTION_MS: '31536000000',
      KAFKA_INGRESS_RETENTION_MS: '3600000',
      KAFKA_DLQ_RETENTION_MS: '-1',
    });
    expect(retention).toMatchObject({
      'lgsp.land.events': '31536000000',
      'lgsp.ingress.health': '3600000',
      'lgsp.dlq': '-1',
      'lgsp.audit': '-1',
    });
  });
});

describe(loadKafkaSettings.name, () => {
  it.each([
    [
      { KAFKA_RETENTION_MS: '2592000000' },
      'KAFKA_RETENTION_MS: no longer read: set KAFKA_EVENTS_RETENTION_MS',
    ],
    [{ KAFKA_EVENTS_RETENTION_MS: '0' }, 'KAFKA_EVENTS_RETENTION_MS: must be -1 (keep forever) or at least'],
    [{ KAFKA_DLQ_RETENTION_MS: '-2' }, 'KAFKA_DLQ_RETENTION_MS: must be between -1'],
    [{ KAFKA_INGRESS_RETENTION_MS: '7d' }, 'KAFKA_INGRESS_RETENTION_MS: must be an integer'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadKafkaSettings({ KAFKA_SECURITY: 'plaintext', ...env }, 'test')).toThrow(message);
  });
});
