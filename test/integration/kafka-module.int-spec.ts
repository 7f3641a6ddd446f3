import { randomUUID } from 'node:crypto';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createKafka, EventProducer, KafkaModule, loadKafkaSettings, type Delivery } from '@lgsp/kafka';
import { HealthChecks, ObservabilityModule } from '@lgsp/observability';
import { readToEnd } from '@lgsp/testing';

/** The Kafka module opens its connections before the app's modules start and closes them after they stop. */
describe(`${KafkaModule.name} (integration)`, () => {
  const settings = loadKafkaSettings(process.env, 'kafka-module-test');
  const topic = `lgsp.test.module.${randomUUID()}`;
  const sentAtShutdown: Delivery[] = [];

  /** Sends while the app shuts down, as a module that flushes its last records does. */
  @Injectable()
  class LastWords implements OnApplicationShutdown {
    constructor(private readonly producer: EventProducer) {}
    async onApplicationShutdown(): Promise<void> {
      const code = '000.00.01.H22-261122-0001';
      sentAtShutdown.push(
        await this.producer.publish(
          topic,
          {
            specversion: '1.0',
            id: 'last',
            source: '/000.00.01.H22/igate',
            type: 'vn.lgsp.dossier.withdrawn.v1',
            data: { MaHoSo: code, TrangThaiHoSo: 7, ThoiDiem: '2026-11-22T08:00:00+07:00' },
          },
          code,
        ),
      );
    }
  }

  @Module({ providers: [LastWords] })
  class FeatureModule {}

  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'kafka-module-test', logLevel: 'silent' }),
      KafkaModule.forRootAsync({
        useFactory: () => ({
          settings,
          topics: [{ topic, partitions: 2, config: { 'retention.ms': '-1' } }],
          readiness: ['kafka', 'kafka-produce'],
        }),
      }),
      FeatureModule,
    ],
  })
  class AppModule {}

  it('ensures its topics and adds its readiness on init; producers still send during shutdown', async () => {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await app.init();
    const admin = createKafka(settings).admin();
    await admin.connect();
    try {
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata.partitions).toHaveLength(2);
      expect(await app.get(HealthChecks).run()).toEqual({
        ok: true,
        checks: { kafka: 'up', 'kafka-produce': 'up' },
      });
    } finally {
      await admin.disconnect();
      await app.close();
    }
    expect(sentAtShutdown).toHaveLength(1);
    expect((await readToEnd(createKafka(settings), topic)).map((r) => r.headers.ce_id)).toEqual(['last']);
  }, 90_000);
});
