import { entryHash, verifyChain, type ChainedEntry, type DataAccessEntry } from './audit-chain';

function chain(count: number): ChainedEntry[] {
  const entries: ChainedEntry[] = [];
  let prevHash = '0'.repeat(64);
  for (let seq = 1; seq <= count; seq++) {
    const entry: DataAccessEntry = {
      kind: 'data-access',
      chain: 'c1',
      at: `2026-11-22T0${seq}:00:00.000Z`,
      consumer: { id: 'ioc', name: 'IOC' },
      purpose: 'inspection',
      operationName: 'Citizen',
      queryHash: 'q',
      domains: ['health'],
      fields: ['Encounter.mainDiagnosis'],
      masked: [],
      citizens: ['digest'],
      records: [`r${seq}`],
    };
    const hash = entryHash(prevHash, seq, entry);
    entries.push({ ...entry, seq, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

describe(verifyChain.name, () => {
  it('accepts an intact chain', () => {
    const entries = chain(4);
    expect(verifyChain(entries, { seq: 4, hash: entries[3].hash })).toEqual({ ok: true, entries: 4 });
  });

  it('reports the first altered entry', () => {
    const entries = chain(4);
    entries[1] = { ...entries[1], purpose: 'statistics' };
    expect(verifyChain(entries).firstBroken).toEqual({
      seq: 2,
      reason: 'its content does not match its hash (altered)',
    });
  });

  it('reports a deleted entry in the middle and one deleted at the end', () => {
    const entries = chain(4);
    expect(verifyChain([entries[0], entries[2], entries[3]]).firstBroken).toEqual({
      seq: 2,
      reason: 'entry 2 is missing (next is 3)',
    });
    expect(verifyChain(entries.slice(0, 3), { seq: 4, hash: entries[3].hash }).firstBroken?.seq).toBe(4);
  });

  it('reports an entry re-hashed after being altered: its successor no longer links to it', () => {
    const entries = chain(3);
    const altered = { ...entries[1], purpose: 'statistics' };
    const { seq, prevHash, ...rest } = altered;
    const content = { ...rest, hash: undefined };
    delete content.hash;
    entries[1] = { ...altered, hash: entryHash(prevHash, seq, content) };
    expect(verifyChain(entries).firstBroken).toEqual({
      seq: 3,
      reason: 'its link to the previous entry does not match',
    });
  });
});
