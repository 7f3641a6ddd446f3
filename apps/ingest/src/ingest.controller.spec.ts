import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, type Caller } from '@lgsp/auth';
import { HubError } from '@lgsp/core';
import type { CloudEvent } from '@lgsp/kafka';
import { createFastifyApp } from '@lgsp/platform';
import { IngestController } from './ingest.controller';
import { IngestService, type Accepted, type BatchItemResult } from './ingest.service';

const PUBLISHER = 'dev-publisher-key-000.00.01.H22';
const CONSUMER = 'dev-consumer-key-ioc';

/** What the controller hands to the service, and what the service answers (no Kafka, no database). */
const calls: { caller: string; events: (CloudEvent | string)[] }[] = [];
const accepted = (event: CloudEvent, duplicate = false): Accepted => ({
  id: event.id,
  source: event.source,
  type: event.type,
  status: duplicate ? 200 : 202,
  duplicate,
  topic: 'lgsp.dossier.events',
  partition: 0,
  offset: '7',
});
const service = {
  async publish(caller: Caller, event: CloudEvent): Promise<Accepted> {
    calls.push({ caller: caller.id, events: [event] });
    return accepted(event, event.id.startsWith('dup'));
  },
  async publishBatch(caller: Caller, events: (CloudEvent | HubError)[]): Promise<BatchItemResult[]> {
    calls.push({ caller: caller.id, events: events.map((e) => (e instanceof HubError ? e.code : e)) });
    return events.map((e) => (e instanceof HubError ? e.toProblem() : accepted(e)));
  },
};

@Module({
  imports: [AuthModule.forRoot(join(__dirname, '..', '..', '..', 'config', 'callers.dev.json'))],
  controllers: [IngestController],
  providers: [{ provide: IngestService, useValue: service }],
})
class ControllerModule {}

const ce = (id: string) => ({
  specversion: '1.0',
  id,
  source: '/000.00.01.H22/igate',
  type: 'vn.lgsp.dossier.submitted.v1',
  data: { MaHoSo: 'x' },
});

describe(IngestController.name, () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createFastifyApp(ControllerModule, {
      jsonTypes: ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'],
      onInternal: () => undefined,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  beforeEach(() => (calls.length = 0));

  const post = (
    contentType: string,
    body: unknown,
    headers: Record<string, string> = { 'x-api-key': PUBLISHER },
  ) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/events',
        headers: { 'content-type': contentType, ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });

  it('authenticates publishers before it looks at the content type', async () => {
    const anonymous = await post('text/plain', 'hello', {});
    expect([anonymous.statusCode, anonymous.json<{ code: string }>().code]).toEqual([
      401,
      'LGSP_ERR_UNAUTHENTICATED',
    ]);
    const consumer = await post('application/cloudevents+json', ce('a'), { 'x-api-key': CONSUMER });
    expect([consumer.statusCode, consumer.json<{ code: string }>().code]).toEqual([
      403,
      'LGSP_ERR_FORBIDDEN',
    ]);
    const text = await post('text/plain', 'hello');
    expect([text.statusCode, text.json<{ code: string }>().code]).toEqual([
      415,
      'LGSP_ERR_UNSUPPORTED_MEDIA_TYPE',
    ]);
    expect(calls).toEqual([]);
  });

  it("answers a structured or binary event with the service's status: 202 accepted, 200 duplicate", async () => {
    const first = await post('application/cloudevents+json; charset=utf-8', ce('e1'));
    expect([first.statusCode, first.json<Accepted>().duplicate]).toEqual([202, false]);
    const again = await post('application/cloudevents+json', ce('dup-1'));
    expect([again.statusCode, again.json<Accepted>().duplicate]).toEqual([200, true]);
    const binary = await post(
      'application/json',
      { MaHoSo: 'x' },
      {
        'x-api-key': PUBLISHER,
        'ce-specversion': '1.0',
        'ce-id': 'b1',
        'ce-source': '/000.00.01.H22/igate',
        'ce-type': 'vn.lgsp.dossier.submitted.v1',
      },
    );
    expect(binary.statusCode).toBe(202);
    expect(calls.map((c) => c.caller)).toEqual(['000.00.01.H22', '000.00.01.H22', '000.00.01.H22']);
    expect(calls[2].events[0]).toMatchObject({ id: 'b1', data: { MaHoSo: 'x' } });
  });

  it('answers a batch 200 when every event is accepted, 207 when one is not, 400 when it is not an array', async () => {
    const all = await post('application/cloudevents-batch+json', [ce('a'), ce('b')]);
    expect(all.json<{ results: unknown[] }>().results).toHaveLength(2);
    expect(all.statusCode).toBe(200);
    const mixed = await post('application/cloudevents-batch+json', [ce('a'), { id: 'no-type' }]);
    expect(mixed.statusCode).toBe(207);
    expect(calls[1].events[1]).toBe('LGSP_ERR_CLOUDEVENT_INVALID');
    const notArray = await post('application/cloudevents-batch+json', ce('a'));
    expect([notArray.statusCode, notArray.json<{ code: string }>().code]).toEqual([
      400,
      'LGSP_ERR_CLOUDEVENT_INVALID',
    ]);
  });
});
