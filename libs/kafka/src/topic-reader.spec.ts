import { parsePosition } from './topic-reader';

describe(parsePosition.name, () => {
  it.each([
    ['earliest', { kind: 'earliest' }],
    ['latest', { kind: 'latest' }],
    ['last:25', { kind: 'last', count: 25 }],
    ['0:120,2:98', { kind: 'offsets', offsets: { 0: '120', 2: '98' } }],
    ['2026-11-20T08:00:00+07:00', { kind: 'timestamp', at: new Date('2026-11-20T01:00:00Z') }],
    ['2026-11-20T01:00:00.500Z', { kind: 'timestamp', at: new Date('2026-11-20T01:00:00.500Z') }],
  ])('reads %s', (text, expected) => {
    expect(parsePosition(text)).toEqual(expected);
  });

  it.each(['2026-11-20T08:00:00', '2026-11-20 08:00+07:00', 'last:', '0:', 'yesterday'])(
    'refuses %s with a coded error that shows the accepted forms',
    (text) => {
      let thrown: unknown;
      try {
        parsePosition(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'LGSP_ERR_BAD_POSITION' });
    },
  );
});
