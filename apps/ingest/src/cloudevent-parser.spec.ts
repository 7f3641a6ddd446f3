import { HubError } from '@lgsp/core';
import { parseBinaryEvent, parseStructuredEvent } from './cloudevent-parser';

/** The HubError a parse throws: its code and the pointers of its issues. */
function refusal(parse: () => unknown): { code: string; pointers: string[] } {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    return { code: error.code, pointers: (error.errors ?? []).map((i) => i.pointer) };
  }
  throw new Error('the event was accepted');
}

const valid = {
  specversion: '1.0',
  id: 'e-1',
  source: '/000.00.01.H22/igate',
  type: 'vn.lgsp.dossier.submitted.v1',
  time: '2026-11-28T08:00:00+07:00',
  datacontenttype: 'application/json',
  data: { MaHoSo: 'x' },
};

describe('parseStructuredEvent', () => {
  it('returns the event with its attributes, and its extensions as strings', () => {
    expect(parseStructuredEvent({ ...valid, traceparent: 'tp', priority: 5, urgent: true })).toEqual({
      ...valid,
      subject: undefined,
      dataschema: undefined,
      extensions: { traceparent: 'tp', priority: '5', urgent: 'true' },
    });
  });

  it('accepts JSON media types with a suffix and no datacontenttype at all', () => {
    expect(parseStructuredEvent({ ...valid, datacontenttype: 'application/cloudevents+json' }).data).toEqual(
      valid.data,
    );
    expect(parseStructuredEvent({ ...valid, datacontenttype: undefined }).datacontenttype).toBeUndefined();
  });

  it('names every missing or wrong attribute, under the pointer prefix of a batch item', () => {
    expect(refusal(() => parseStructuredEvent({ specversion: '0.3', id: '', subject: 7 }, '/2'))).toEqual({
      code: 'LGSP_ERR_CLOUDEVENT_INVALID',
      pointers: ['/2/specversion', '/2/id', '/2/source', '/2/type', '/2/subject', '/2/data'],
    });
  });

  it.each([
    ['an array', [valid]],
    ['null', null],
    ['a string', 'event'],
  ])('refuses %s as a CloudEvent', (_, input) => {
    expect(refusal(() => parseStructuredEvent(input))).toEqual({
      code: 'LGSP_ERR_CLOUDEVENT_INVALID',
      pointers: ['/'],
    });
  });

  it.each([
    ['a time that is not a timestamp', { time: 'yesterday' }, '/time'],
    ['non-JSON data', { datacontenttype: 'text/plain' }, '/datacontenttype'],
    ['binary data', { data_base64: 'AAAA' }, '/data_base64'],
    ['an extension name with capitals', { Priority: 'high' }, '/Priority'],
    ['an extension that is an object', { trace: { id: 1 } }, '/trace'],
    ['an id over the length limit', { id: 'x'.repeat(257) }, '/id'],
    ['a source with white space', { source: '/000.00.01.H22/ igate' }, '/source'],
  ])('refuses %s', (_, change, pointer) => {
    expect(refusal(() => parseStructuredEvent({ ...valid, ...change }))).toEqual({
      code: 'LGSP_ERR_CLOUDEVENT_INVALID',
      pointers: [pointer],
    });
  });
});

describe('parseBinaryEvent', () => {
  it('reads the attributes from ce-* headers and the data from the body', () => {
    const event = parseBinaryEvent(
      {
        'ce-specversion': '1.0',
        'ce-id': 'e-2',
        'ce-source': valid.source,
        'ce-type': valid.type,
        'ce-traceparent': 'tp',
        'content-type': 'application/json; charset=utf-8',
        'x-api-key': 'not an attribute',
      },
      { MaHoSo: 'y' },
    );
    expect(event).toMatchObject({
      id: 'e-2',
      source: valid.source,
      type: valid.type,
      datacontenttype: 'application/json; charset=utf-8',
      data: { MaHoSo: 'y' },
      extensions: { traceparent: 'tp' },
    });
  });

  it('refuses a request without the required ce-* headers', () => {
    expect(refusal(() => parseBinaryEvent({ 'content-type': 'application/json' }, {}))).toEqual({
      code: 'LGSP_ERR_CLOUDEVENT_INVALID',
      pointers: ['/specversion', '/id', '/source', '/type'],
    });
  });
});
