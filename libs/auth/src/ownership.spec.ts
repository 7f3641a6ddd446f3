import { HubError } from '@lgsp/core';
import { assertMayChange, ownersOf, type OwnershipRules } from './ownership';

describe('ownership', () => {
  const rules: OwnershipRules = {
    landAreas: { '000.00.02.H22': ['22001', '22004'] },
    delegations: { '000.00.99.H22': ['000.00.01.H22'] },
  };
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      return error instanceof HubError ? error.code : 'other';
    }
    return undefined;
  };
  const withdraw = (code: string) => ({ MaHoSo: code, TrangThaiHoSo: 7 });

  it('names the owner of each kind of aggregate', () => {
    expect(ownersOf('vn.lgsp.dossier.withdrawn.v1', withdraw('000.00.02.H22-261128-0555'), rules)).toEqual([
      '000.00.02.H22',
    ]);
    expect(ownersOf('vn.lgsp.health.claim-settled.v1', { MA_CSKCB: '22001' }, rules)).toEqual(['22001']);
    expect(ownersOf('vn.lgsp.land.parcel-changed.v1', { MaThuaDat: '22004-1-2' }, rules)).toEqual([
      '000.00.02.H22',
    ]);
    expect(ownersOf('vn.lgsp.land.parcel-changed.v1', { MaThuaDat: '99999-1-2' }, rules)).toEqual([]);
  });

  it("refuses a change to another agency's dossier, and lets the owner and its delegate make it", () => {
    const type = 'vn.lgsp.dossier.withdrawn.v1';
    const data = withdraw('000.00.02.H22-261128-0555');
    expect(codeOf(() => assertMayChange(type, data, '/000.00.01.H22/igate', rules))).toBe(
      'LGSP_ERR_NOT_OWNER',
    );
    expect(codeOf(() => assertMayChange(type, data, '/000.00.02.H22/igate', rules))).toBeUndefined();
    const own = withdraw('000.00.01.H22-261128-0001');
    expect(codeOf(() => assertMayChange(type, own, '/000.00.99.H22/one-stop', rules))).toBeUndefined();
    expect(codeOf(() => assertMayChange(type, data, '/000.00.99.H22/one-stop', rules))).toBe(
      'LGSP_ERR_NOT_OWNER',
    );
  });

  it('refuses a parcel outside every land office area', () => {
    const type = 'vn.lgsp.land.parcel-changed.v1';
    expect(
      codeOf(() => assertMayChange(type, { MaThuaDat: '99999-1-2' }, '/000.00.02.H22/vilis', rules)),
    ).toBe('LGSP_ERR_NOT_OWNER');
    expect(
      codeOf(() => assertMayChange(type, { MaThuaDat: '22001-1-2' }, '/000.00.02.H22/vilis', rules)),
    ).toBeUndefined();
  });
});
