import type { ConsumedRecord } from '@lgsp/kafka';
import { formatOffsets, matches } from './replay';

const record = (key: string, type: string, source: string): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset: '0',
  key,
  value: null,
  headers: { ce_type: type, ce_source: source },
  timestamp: '0',
});

describe(matches.name, () => {
  const sut = record('000.00.01.H22-261120-0001', 'vn.lgsp.dossier.received.v1', '/000.00.01.H22/igate');

  it('keeps everything without a filter and applies every given criterion', () => {
    expect(matches(sut)).toBe(true);
    expect(matches(sut, { key: '000.00.01.H22-261120-0001', type: 'vn.lgsp.dossier.received.v1' })).toBe(
      true,
    );
    expect(matches(sut, { key: '000.00.01.H22-261120-0001', source: '/000.00.02.H22/igate' })).toBe(false);
    expect(matches(sut, { type: 'vn.lgsp.dossier.submitted.v1' })).toBe(false);
  });
});

describe(formatOffsets.name, () => {
  it('writes resume positions in the form --from reads', () => {
    expect(formatOffsets({ 0: '12', 1: '7' })).toBe('0:12,1:7');
  });
});
