import { fromDvcqgTime, toDvcqgTime } from './time';

describe(toDvcqgTime.name, () => {
  it.each([
    ['2026-03-02T08:15:30+07:00', '20260302081530', 'already in Vietnam time'],
    ['2026-03-02T01:15:30Z', '20260302081530', 'UTC is seven hours behind'],
    ['2026-03-01T17:00:00Z', '20260302000000', 'crosses midnight into the next day, hour 00 not 24'],
    ['2026-12-31T17:30:00Z', '20270101003000', 'crosses into the next year'],
    ['2026-03-02T10:15:30+09:00', '20260302081530', 'another zone ahead of Vietnam'],
    ['2026-03-01T21:15:30-04:00', '20260302081530', 'a zone behind UTC'],
    ['2026-03-02T08:15:30.999+07:00', '20260302081530', 'fractions of a second are cut, not rounded'],
    ['2028-02-29T12:00:00+07:00', '20280229120000', 'a leap day'],
  ])('%s → %s (%s)', (input, expected) => {
    expect(toDvcqgTime(input)).toBe(expected);
  });

  it('keeps +07:00 all year: Vietnam has no daylight saving time', () => {
    expect(toDvcqgTime('2026-01-15T00:00:00Z')).toBe('20260115070000');
    expect(toDvcqgTime('2026-07-15T00:00:00Z')).toBe('20260715070000');
  });

  it('accepts a Date', () => {
    expect(toDvcqgTime(new Date(Date.UTC(2026, 2, 2, 1, 15, 30)))).toBe('20260302081530');
  });

  it.each([
    ['2026-03-02T08:15:30', 'no offset: the zone would be guessed'],
    ['2026-03-02', 'a date without a time'],
    ['20260302081530', 'already national'],
    ['2026-02-30T08:00:00+07:00', 'a day that does not exist'],
    ['2026-03-02T24:00:00+07:00', 'hour 24'],
    ['not a date', 'garbage'],
  ])('refuses %s (%s)', (input) => {
    expect(() => toDvcqgTime(input)).toThrow(RangeError);
  });

  it('refuses an invalid Date', () => {
    expect(() => toDvcqgTime(new Date(NaN))).toThrow(RangeError);
  });
});

describe(fromDvcqgTime.name, () => {
  it('reads a national time as Vietnam time', () => {
    expect(fromDvcqgTime('20260302081530').toISOString()).toBe('2026-03-02T01:15:30.000Z');
  });

  it('round-trips with toDvcqgTime', () => {
    for (const iso of ['2026-01-01T00:00:00.000Z', '2026-06-30T16:59:59.000Z', '2027-12-31T23:59:59.000Z']) {
      expect(fromDvcqgTime(toDvcqgTime(iso)).toISOString()).toBe(iso);
    }
  });

  it.each([
    '2026030208153',
    '202603020815300',
    '2026-03-02 08:15',
    '20260230081530',
    '20261301000000',
    '20260302246000',
  ])('refuses %s', (input) => {
    expect(() => fromDvcqgTime(input)).toThrow(RangeError);
  });
});
