import { HubError } from '@lgsp/core';
import { nationalService, NationalServices, type NationalService } from './national-services';

const service = (code: string): NationalService => {
  const found = nationalService(code);
  if (!found) throw new Error(`no service ${code}`);
  return found;
};
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
  return 'none';
};

describe('NationalServices', () => {
  it('offers the dossier status, a land parcel and a citizen’s dossiers', () => {
    expect(NationalServices.map((s) => s.code)).toEqual(['dossierStatus', 'landParcel', 'citizenDossiers']);
    expect(nationalService('nope')).toBeUndefined();
  });

  it('asks the gateway for a dossier’s status under a public-service purpose', () => {
    const sut = service('dossierStatus').plan({
      method: 'GET',
      segments: ['dossiers', '000.00.01.H22-260301-0001'],
    });
    expect(sut).toMatchObject({
      operationName: 'NationalDossierStatus',
      variables: { code: '000.00.01.H22-260301-0001' },
      purpose: 'public-service',
    });
    expect(sut.query).toContain('query NationalDossierStatus(');
    // no personal field: the status is not a read of personal data
    expect(sut.query).not.toMatch(/applicant/);
    expect(sut.answer({ dossier: { code: 'x' } })).toEqual({ code: 'x' });
    expect(sut.answer({ dossier: null })).toBeUndefined();
  });

  it('reads a parcel by commune, map sheet and parcel number, as numbers', () => {
    const sut = service('landParcel').plan({ method: 'GET', segments: ['parcels', '09400', '12', '345'] });
    expect(sut).toMatchObject({
      variables: { commune: '09400', sheet: 12, parcel: 345 },
      purpose: 'land-administration',
    });
  });

  it('reads a citizen’s dossiers by the 12-digit personal id', () => {
    const sut = service('citizenDossiers').plan({
      method: 'GET',
      segments: ['citizens', '022090000123', 'dossiers'],
    });
    expect(sut.variables).toEqual({ personalId: '022090000123' });
    expect(sut.answer({ citizen: { personalId: '022090000123', dossiers: [] } })).toEqual({
      personalId: '022090000123',
      dossiers: [],
    });
  });

  it.each<[string, string, string[], string]>([
    ['an unknown resource', 'GET', ['dossier', 'x'], 'LGSP_ERR_NOT_FOUND'],
    ['a longer path', 'GET', ['dossiers', '000.00.01.H22-260301-0001', 'x'], 'LGSP_ERR_NOT_FOUND'],
    [
      'another method',
      'POST',
      ['dossiers', '000.00.01.H22-260301-0001'],
      'LGSP_ERR_NATIONAL_METHOD_NOT_ALLOWED',
    ],
    ['a malformed dossier code', 'GET', ['dossiers', 'DROP TABLE'], 'LGSP_ERR_BAD_REQUEST'],
  ])('answers %s with the hub’s own error', (_what, method, segments, code) => {
    expect(codeOf(() => service('dossierStatus').plan({ method, segments }))).toBe(code);
  });

  it.each([
    ['citizenDossiers', ['citizens', '12345', 'dossiers']],
    ['landParcel', ['parcels', '9400', '1', '1']],
    ['landParcel', ['parcels', '09400', '0', '1']],
    ['landParcel', ['parcels', '09400', '1', '1e3']],
  ])('%s refuses a malformed key %j', (code, segments) => {
    expect(codeOf(() => service(code).plan({ method: 'GET', segments }))).toBe('LGSP_ERR_BAD_REQUEST');
  });
});
