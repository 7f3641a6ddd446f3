import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import pino from 'pino';
import { ApiKeyRegistry } from '@lgsp/auth';
import { Topics } from '@lgsp/contracts';
import { toKafkaRecord, type ConsumedRecord, type EventProducer, type RawRecord } from '@lgsp/kafka';
import { HealthChecks, MetricsRegistry } from '@lgsp/observability';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { IngressConsumer } from './ingress-consumer';

const config = (file: string) => join(__dirname, '..', '..', '..', 'config', file);

/** A dossier submitted by `agency`, as a Kafka-native publisher writes it to an ingress topic. */
function record(topic: string, agency: string, offset: string): ConsumedRecord {
  const code = `${agency}-250301-0001`;
  const data = {
    MaHoSo: code,
    TrangThaiHoSo: 1,
    MaTTHC: '1.001193',
    TenTTHC: 'Đăng ký khai sinh',
    MaLinhVuc: 'HT',
    TenLinhVuc: 'Hộ tịch',
    MaCoQuan: agency,
    KenhThucHien: 1,
    ChuHoSo: 'Nguyễn Văn An',
    SoDinhDanhChuHoSo: '022090000001',
    NgayNopHoSo: '2025-03-01T08:00:00.000Z',
  };
  const { value, headers } = toKafkaRecord(
    {
      specversion: '1.0',
      id: `e-${offset}`,
      source: `/${agency}/igate`,
      type: 'vn.lgsp.dossier.submitted.v1',
      time: '2025-03-01T08:00:00.000Z',
      data,
    },
    code,
  );
  return { topic, partition: 0, offset, key: null, value, headers, timestamp: '0' };
}

describe(IngressConsumer.name, () => {
  const sent: { topic: string; records: RawRecord[] }[] = [];
  const producer = {
    async sendRaw(topic: string, records: RawRecord[]) {
      sent.push({ topic, records });
    },
  } as unknown as EventProducer;
  const health = new HealthChecks();
  // The client never connects here: the runner is not started.
  const sut = new IngressConsumer(
    new Kafka({ brokers: ['127.0.0.1:1'] }),
    producer,
    new SchemaRegistry(),
    ApiKeyRegistry.fromFile(config('callers.dev.json')),
    { landAreas: {}, delegations: {} },
    new MetricsRegistry('spec'),
    pino({ level: 'silent' }),
    health,
  );
  beforeEach(() => (sent.length = 0));

  it('moves a valid event of the shared ingress topic to the domain topic, keyed by its aggregate', async () => {
    const dead = await sut.handle([record(Topics.ingress('dossier'), '000.00.02.H22', '1')]);
    expect(dead).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe(Topics.events('dossier'));
    expect(sent[0].records[0].key).toBe('000.00.02.H22-250301-0001');
  });

  it("holds an agency's own topic to that agency's grants (the topic stands for the publisher)", async () => {
    const topic = Topics.agencyIngress('dossier', '000.00.01.H22');
    const dead = await sut.handle([record(topic, '000.00.01.H22', '1'), record(topic, '000.00.02.H22', '2')]);
    expect(sent.map((s) => s.records.length)).toEqual([1]);
    expect(dead).toEqual([
      expect.objectContaining({
        code: 'LGSP_ERR_FORBIDDEN',
        detail: expect.stringContaining('ingress topic of 000.00.01.H22'),
      }),
    ]);
  });

  it('has no validator for a topic that is not an ingress topic of this hub', async () => {
    await expect(sut.handle([record('lgsp.ingress.dossier.unknown', '000.00.01.H22', '1')])).rejects.toThrow(
      /no validator/,
    );
    // Only publishers granted a domain get a topic in it: 22001 publishes health events.
    await expect(
      sut.handle([record(Topics.agencyIngress('dossier', '22001'), '22001', '1')]),
    ).rejects.toThrow(/no validator/);
  });

  it('reports its consumer in readiness: down until its transport listens', async () => {
    sut.onModuleInit();
    const report = await health.run();
    expect(report.ok).toBe(false);
    expect(Object.keys(report.checks)).toEqual(['ingress-validator']);
    expect(report.checks['ingress-validator']).not.toBe('up');
  });
});
