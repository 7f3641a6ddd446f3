import { idempotencyKey } from './idempotency';

const code = '000.00.01.H22-260302-0001';

describe(idempotencyKey.name, () => {
  it('is the same for a retry: same kind, dossier and event', () => {
    expect(idempotencyKey('progress', code, 'evt-1')).toEqual(idempotencyKey('progress', code, 'evt-1'));
  });

  it('one create key per dossier, whichever event creates it', () => {
    expect(idempotencyKey('create', code)).toEqual({
      key: expect.stringMatching(/^lgsp1-/),
      scope: `create/${code}`,
    });
  });

  it('differs between kinds, dossiers and events', () => {
    const keys = [
      idempotencyKey('create', code),
      idempotencyKey('replace', code, 'evt-1'),
      idempotencyKey('progress', code, 'evt-1'),
      idempotencyKey('progress', code, 'evt-2'),
      idempotencyKey('progress', '000.00.01.H22-260302-0002', 'evt-1'),
    ].map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('cannot be forged by moving a separator between the parts', () => {
    const a = idempotencyKey('progress', 'A/B', 'C');
    const b = idempotencyKey('progress', 'A', 'B/C');
    expect(a.scope).toBe(b.scope);
    expect(a.key).not.toBe(b.key);
  });

  it('is header-safe and fixed-length whatever the event id holds', () => {
    const { key } = idempotencyKey('progress', code, 'ev\nt: "1" ✓'.repeat(40));
    expect(key).toMatch(/^lgsp1-[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a missing dossier code or event id', () => {
    expect(() => idempotencyKey('create', '')).toThrow(RangeError);
    expect(() => idempotencyKey('progress', code, '')).toThrow('needs the event id');
  });
});
