import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { of } from 'rxjs';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import { ConsumeBatch, KafkaBatchContext, KafkaBatchServer } from './batch-transport';
import { PoisonRecordError, type ConsumedRecord, type DeadLetter } from './consumer-runner';
import type { EventProducer } from './event-producer';

/**
 * A stand-in for the kafkajs consumer (the integration spec uses a real broker): it records what the
 * runner subscribes to and commits, and delivers batches to the runner's eachBatch as kafkajs would.
 */
function fakeKafka() {
  const log: string[] = [];
  const subscribed: string[][] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  let running!: () => void;
  const run = new Promise<void>((resolve) => (running = resolve));
  const crashListeners: ((event: { payload: { error: Error; restart: boolean } }) => void)[] = [];
  let runs = 0;
  let failJoins = 0;
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: (_event: string, listener: (typeof crashListeners)[number]) => {
      crashListeners.push(listener);
      return () => undefined;
    },
    connect: async () => undefined,
    subscribe: async ({ topics }: { topics: string[] }) => void subscribed.push(topics),
    run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = config.eachBatch;
      runs++;
      // kafkajs, failing to join the group for good: CRASH without restart, then run() resolves all the same
      if (failJoins > 0) {
        failJoins--;
        crash(false);
        return;
      }
      running();
    },
    commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) =>
      void log.push(...offsets.map((o) => `commit ${o.topic}/${o.partition}@${o.offset}`)),
    disconnect: async () => void log.push('disconnect'),
  };
  // a new consumer object each time, as kafkajs gives (their state is shared: one fake broker)
  const kafka = { consumer: () => ({ ...consumer }) } as unknown as Kafka;
  const producer = {
    sendRaw: async (topic: string, records: { headers: Record<string, string> }[]) =>
      void log.push(
        ...records.map(
          (r) => `dlq ${topic} ${r.headers[DlqHeaders.originalOffset]} ${r.headers[DlqHeaders.errorCode]}`,
        ),
      ),
  } as unknown as EventProducer;
  /** One batch of `values` at offsets 0.. of topic/partition, as kafkajs hands it to eachBatch. */
  async function deliver(topic: string, partition: number, values: string[]): Promise<void> {
    await run;
    const messages = values.map((v, i) => ({
      offset: String(i),
      key: Buffer.from(`k${i}`),
      value: Buffer.from(v),
      headers: {},
      timestamp: '0',
      attributes: 0,
    }));
    const payload = {
      batch: {
        topic,
        partition,
        messages,
        firstOffset: () => '0',
        lastOffset: () => String(values.length - 1),
        offsetLag: () => '0',
      },
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => void log.push(`resume ${topic}/${partition}`),
      resolveOffset: () => undefined,
    } as unknown as EachBatchPayload;
    if (!eachBatch) throw new Error('the runner did not start');
    await eachBatch(payload);
  }
  /** kafkajs' CRASH event: `restart` false when kafkajs will not restart the consumer itself. */
  const crash = (restart: boolean) =>
    crashListeners.forEach((l) => l({ payload: { error: new Error('coordinator gone (test)'), restart } }));
  const failNextJoins = (n: number) => (failJoins = n);
  return { kafka, producer, log, subscribed, deliver, run, crash, runs: () => runs, failNextJoins };
}

type Seen = { pattern: string; topic: string; partition: number; values: string[] };

@Controller()
class Projections {
  static seen: Seen[] = [];
  static failures: Error[] = [];
  static log: string[] = [];

  @ConsumeBatch('dossier.events')
  async dossier(
    @Payload() records: ConsumedRecord[],
    @Ctx() context: KafkaBatchContext,
  ): Promise<DeadLetter[]> {
    Projections.seen.push({
      pattern: context.getPattern(),
      topic: context.getTopic(),
      partition: context.getPartition(),
      values: records.map((r) => String(r.value)),
    });
    const failure = Projections.failures.shift();
    if (failure) throw failure;
    Projections.log.push(`applied ${records.map((r) => r.offset).join(',')}`);
    return records
      .filter((r) => String(r.value) === 'refused')
      .map((record) => ({ record, code: 'LGSP_ERR_TEST_REFUSED', detail: 'refused by the test' }));
  }

  /** Answers an Observable, as a Nest handler may. */
  @ConsumeBatch('ingress')
  ingress(@Payload() records: ConsumedRecord[], @Ctx() context: KafkaBatchContext) {
    Projections.seen.push({
      pattern: context.getPattern(),
      topic: context.getTopic(),
      partition: context.getPartition(),
      values: records.map((r) => String(r.value)),
    });
    return of(
      records
        .filter((r) => String(r.value) === 'refused')
        .map((record) => ({ record, code: 'LGSP_ERR_TEST_REFUSED', detail: 'refused' })),
    );
  }

  /** Without @ConsumeBatch: its errors would reach the runner as Nest's generic RPC error. */
  @EventPattern('plain')
  plain(): DeadLetter[] {
    return [];
  }
}

@Module({ controllers: [Projections] })
class ProjectionsModule {}

describe(KafkaBatchServer.name, () => {
  let app: INestMicroservice | undefined;
  beforeEach(() => {
    Projections.seen = [];
    Projections.failures = [];
    Projections.log = [];
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const serverOn = (fake: ReturnType<typeof fakeKafka>, topics: Record<string, string | string[]>) =>
    new KafkaBatchServer({
      kafka: fake.kafka,
      producer: fake.producer,
      groupId: 'g',
      topics,
      initialBackoffMs: 1,
      maxBackoffMs: 1,
    });

  async function start(topics: Record<string, string | string[]>) {
    const kafka = fakeKafka();
    Projections.log = kafka.log;
    const sut = serverOn(kafka, topics);
    app = await NestFactory.createMicroservice(ProjectionsModule, { strategy: sut, logger: false });
    await app.listen();
    return { sut, ...kafka };
  }

  it('subscribes to the topics of the mapped patterns and hands each batch to its pattern’s handler', async () => {
    const { deliver, subscribed, sut } = await start({
      'dossier.events': 'lgsp.test.d',
      ingress: ['lgsp.ingress.land', 'lgsp.ingress.land.a1'],
    });
    await deliver('lgsp.ingress.land.a1', 2, ['x', 'y']);
    await deliver('lgsp.test.d', 1, ['a']);
    expect(subscribed).toEqual([['lgsp.test.d', 'lgsp.ingress.land', 'lgsp.ingress.land.a1']]);
    expect(Projections.seen).toEqual([
      { pattern: 'ingress', topic: 'lgsp.ingress.land.a1', partition: 2, values: ['x', 'y'] },
      { pattern: 'dossier.events', topic: 'lgsp.test.d', partition: 1, values: ['a'] },
    ]);
    expect([...sut.topicsByPattern()]).toEqual([
      ['lgsp.test.d', 'dossier.events'],
      ['lgsp.ingress.land', 'ingress'],
      ['lgsp.ingress.land.a1', 'ingress'],
    ]);
  });

  it('commits a batch after the handler’s work and its dead letters, from a Promise or an Observable', async () => {
    const { deliver, log } = await start({ 'dossier.events': 'd', ingress: 'i' });
    await deliver('d', 0, ['a', 'refused', 'b']);
    await deliver('i', 3, ['refused', 'c']);
    expect(log).toEqual([
      'applied 0,1,2',
      `dlq ${Topics.dlq} 1 LGSP_ERR_TEST_REFUSED`,
      'commit d/0@3',
      `dlq ${Topics.dlq} 0 LGSP_ERR_TEST_REFUSED`,
      'commit i/3@2',
    ]);
  });

  it('hands a thrown error to the runner as thrown: a poison record is isolated and dead-lettered', async () => {
    const { deliver, log } = await start({ 'dossier.events': 'd' });
    Projections.failures = [new PoisonRecordError('LGSP_ERR_SCHEMA_INVALID', 'bad record')];
    await deliver('d', 0, ['only']);
    expect(log).toEqual([`dlq ${Topics.dlq} 0 LGSP_ERR_SCHEMA_INVALID`, 'commit d/0@1']);
  });

  it('retries a batch after a transient failure with its partition paused, then commits', async () => {
    const { deliver, log } = await start({ 'dossier.events': 'd' });
    Projections.failures = [Object.assign(new Error('terminating connection'), { code: '57P01' })];
    await deliver('d', 0, ['a', 'b']);
    expect(log).toEqual(['applied 0,1', 'resume d/0', 'commit d/0@2']);
    expect(Projections.seen).toHaveLength(2);
  });

  it('reports readiness from the consumer: not before listen, running after, stopped after close', async () => {
    const kafka = fakeKafka();
    const sut = serverOn(kafka, { 'dossier.events': 'd' });
    await expect(sut.assertRunning()).rejects.toThrow('consumer group g not started');
    expect(() => sut.unwrap()).toThrow('not listening');
    app = await NestFactory.createMicroservice(ProjectionsModule, { strategy: sut, logger: false });
    await app.listen();
    await kafka.run;
    await expect(sut.assertRunning()).resolves.toBeUndefined();
    expect(sut.unwrap()).toBeDefined();
    await app.close();
    app = undefined;
    expect(kafka.log).toEqual(['disconnect']);
    await expect(sut.assertRunning()).rejects.toThrow('consumer group g stopped');
  });

  it('restarts a consumer kafkajs leaves crashed, and reports it not running meanwhile', async () => {
    const kafka = fakeKafka();
    const sut = serverOn(kafka, { 'dossier.events': 'd' });
    const statuses: string[] = [];
    sut.status.subscribe((s) => statuses.push(s));
    app = await NestFactory.createMicroservice(ProjectionsModule, { strategy: sut, logger: false });
    await app.listen();
    await kafka.run;
    await new Promise((r) => setImmediate(r));
    expect(kafka.runs()).toBe(1);

    kafka.crash(true); // kafkajs restarts this one itself
    await expect(sut.assertRunning()).resolves.toBeUndefined();

    kafka.crash(false);
    await expect(sut.assertRunning()).rejects.toThrow('coordinator gone (test)');
    expect(statuses.at(-1)).toBe('crashed');
    for (let waited = 0; kafka.runs() < 2 && waited < 5_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(kafka.runs()).toBe(2);
    await expect(sut.assertRunning()).resolves.toBeUndefined();
    expect(statuses.at(-1)).toBe('connected');
  });

  it('does not take a consumer that crashed while joining for a running one, and restarts it', async () => {
    const kafka = fakeKafka();
    kafka.failNextJoins(2);
    const sut = serverOn(kafka, { 'dossier.events': 'd' });
    app = await NestFactory.createMicroservice(ProjectionsModule, { strategy: sut, logger: false });
    await app.listen();
    await new Promise((r) => setImmediate(r));
    expect(kafka.runs()).toBe(1);
    await expect(sut.assertRunning()).rejects.toThrow('coordinator gone (test)');
    for (let waited = 0; kafka.runs() < 3 && waited < 10_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    await kafka.run;
    await new Promise((r) => setImmediate(r));
    expect(kafka.runs()).toBe(3);
    await expect(sut.assertRunning()).resolves.toBeUndefined();
  }, 20_000);

  it.each([
    [{ missing: 'x' }, "no @ConsumeBatch handler for pattern 'missing'"],
    [{ plain: 'x' }, "the handler of 'plain' must be decorated with @ConsumeBatch"],
    [
      { 'dossier.events': 'x', ingress: ['y', 'x'] },
      "topic x is mapped to both 'dossier.events' and 'ingress'",
    ],
    [{}, 'consumer group g has no topics'],
  ])('refuses to listen with the topic map %j', async (topics, message) => {
    const kafka = fakeKafka();
    const sut = serverOn(kafka, topics);
    app = await NestFactory.createMicroservice(ProjectionsModule, { strategy: sut, logger: false });
    await expect(app.listen()).rejects.toThrow(message);
  });
});
