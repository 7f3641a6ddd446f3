import { fromKafkaRecord, toKafkaRecord, CloudEventDecodeError } from './cloudevents';

describe('CloudEvents Kafka binding', () => {
  it('round-trips an event through binary mode, extensions included', () => {
    const event = {
      specversion: '1.0' as const,
      id: 'e-1',
      source: '/000.00.01.H22/igate',
      type: 'vn.lgsp.dossier.withdrawn.v1',
      subject: '000.00.01.H22-261122-0001',
      time: '2026-11-22T01:00:00.000Z',
      datacontenttype: 'application/json',
      data: { MaHoSo: '000.00.01.H22-261122-0001' },
      extensions: { traceparent: '00-abc-def-01' },
    };
    const sut = toKafkaRecord(event, event.subject);
    expect(sut.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: 'e-1',
      ce_traceparent: '00-abc-def-01',
      'content-type': 'application/json',
    });
    expect(fromKafkaRecord(sut.headers, sut.value)).toEqual({ ...event, dataschema: undefined });
  });

  it('refuses a record without the required ce_ headers', () => {
    expect(() => fromKafkaRecord({ ce_specversion: '1.0', ce_id: 'x' }, Buffer.from('{}'))).toThrow(
      CloudEventDecodeError,
    );
  });
});
