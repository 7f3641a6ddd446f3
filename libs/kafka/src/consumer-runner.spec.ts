import { applyIsolatingPoison, failureKind, PoisonRecordError, type ConsumedRecord } from './consumer-runner';

const records = (n: number): ConsumedRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic: 't',
    partition: 0,
    offset: String(i),
    key: null,
    value: Buffer.from(String(i)),
    headers: {},
    timestamp: '0',
  }));

const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('failureKind', () => {
  it.each([
    ['22P05', 'deterministic'],
    ['22021', 'deterministic'],
    ['23505', 'deterministic'],
    ['54000', 'deterministic'],
    ['57P01', 'transient'],
    ['08006', 'transient'],
    ['53300', 'transient'],
    ['40001', 'transient'],
    ['40P01', 'transient'],
    ['42P01', 'transient'],
    ['ECONNREFUSED', 'transient'],
  ])('SQLSTATE or system code %s is %s', (code, kind) => {
    expect(failureKind(sqlError(code, 'x'))).toBe(kind);
  });

  it('treats rule violations as deterministic and unknown errors as transient', () => {
    expect(failureKind(new PoisonRecordError('LGSP_ERR_SCHEMA_INVALID', 'no'))).toBe('deterministic');
    expect(failureKind(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(failureKind(undefined)).toBe('transient');
  });
});

describe('applyIsolatingPoison', () => {
  /** A store that refuses the records whose value is in `poison`, all-or-nothing per call. */
  function store(poison: Set<string>) {
    const applied: string[] = [];
    let calls = 0;
    const handle = async (part: ConsumedRecord[]) => {
      calls++;
      const bad = part.find((r) => poison.has(String(r.value)));
      if (bad) throw sqlError('22P05', `unsupported Unicode escape sequence at ${String(bad.value)}`);
      applied.push(...part.map((r) => String(r.value)));
      return [];
    };
    return { applied, handle, calls: () => calls };
  }

  it('dead-letters exactly the failing records and applies the others in order', async () => {
    const s = store(new Set(['3', '4', '17']));
    const { done, dead } = await applyIsolatingPoison(records(20), s.handle);
    expect(done).toBe(20);
    expect(dead.map((d) => [d.record.offset, d.code])).toEqual([
      ['3', 'LGSP_ERR_UNSTORABLE_EVENT'],
      ['4', 'LGSP_ERR_UNSTORABLE_EVENT'],
      ['17', 'LGSP_ERR_UNSTORABLE_EVENT'],
    ]);
    expect(dead[0].detail).toContain('SQLSTATE 22P05');
    expect(s.applied).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)).filter((v) => !['3', '4', '17'].includes(v)),
    );
    expect(s.calls()).toBeLessThan(30);
  });

  it('throws a transient failure and resumes after the parts already applied', async () => {
    const s = store(new Set(['5']));
    let down = true;
    // The poison record fails first; once it is isolated the database goes away before offset 8.
    const flaky = async (part: ConsumedRecord[]) => {
      const poisoned = part.some((r) => r.offset === '5');
      if (!poisoned && down && part.some((r) => r.offset === '8'))
        throw sqlError('57P01', 'terminating connection');
      return s.handle(part);
    };
    const progress = { done: 0, dead: [] as never[] };
    await expect(applyIsolatingPoison(records(10), flaky, progress)).rejects.toThrow('terminating');
    expect(progress.done).toBe(6);
    expect(s.applied).toEqual(['0', '1', '2', '3', '4']);
    down = false;
    const { dead } = await applyIsolatingPoison(records(10), flaky, progress);
    expect(dead.map((d) => d.record.offset)).toEqual(['5']);
    expect(s.applied).toEqual(['0', '1', '2', '3', '4', '6', '7', '8', '9']);
  });
});
