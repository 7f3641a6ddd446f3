import { HubError } from '@lgsp/core';
import { ApiKeyRegistry, hashApiKey } from './api-keys';

describe(ApiKeyRegistry.name, () => {
  const sut = new ApiKeyRegistry([
    {
      id: 'a',
      name: 'A',
      role: 'publisher',
      keySha256: hashApiKey('key-a'),
      types: ['vn.lgsp.dossier.*'],
      sources: ['/000.00.01.H22/*'],
    },
    { id: 'c', name: 'C', role: 'consumer', keySha256: hashApiKey('key-c') },
  ]);
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      return error instanceof HubError ? error.code : 'other';
    }
    return undefined;
  };

  it('authenticates by key and role', () => {
    expect(sut.authenticate('key-a', 'publisher').id).toBe('a');
    expect(codeOf(() => sut.authenticate('key-c', 'publisher'))).toBe('LGSP_ERR_FORBIDDEN');
    expect(codeOf(() => sut.authenticate('nope'))).toBe('LGSP_ERR_UNAUTHENTICATED');
    expect(codeOf(() => sut.authenticate(undefined))).toBe('LGSP_ERR_UNAUTHENTICATED');
  });

  it('authorizes a publisher only for granted types and sources', () => {
    const caller = sut.authenticate('key-a');
    expect(
      codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', '/000.00.01.H22/igate')),
    ).toBeUndefined();
    expect(
      codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.land.parcel-registered.v1', '/000.00.01.H22/igate')),
    ).toBe('LGSP_ERR_FORBIDDEN');
    expect(
      codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', '/000.00.02.H22/igate')),
    ).toBe('LGSP_ERR_FORBIDDEN');
  });

  it.each([
    ['a dot-dot path into another agency', '/000.00.01.H22/../000.00.02.H22/igate'],
    ['a longer agency code with the same prefix', '/000.00.01.H22x/igate'],
    ['the agency alone, without a system', '/000.00.01.H22'],
    ['an empty segment', '/000.00.01.H22//igate'],
    ['an encoded slash', '/000.00.01.H22%2F..%2F000.00.02.H22/igate'],
  ])('matches sources by whole segments: refuses %s', (_name, source) => {
    const caller = sut.authenticate('key-a');
    expect(codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', source))).toBe(
      'LGSP_ERR_FORBIDDEN',
    );
  });

  it('matches types by whole segments', () => {
    const caller = sut.authenticate('key-a');
    expect(
      codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.dossierx.submitted.v1', '/000.00.01.H22/igate')),
    ).toBe('LGSP_ERR_FORBIDDEN');
    expect(
      codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', '/000.00.01.H22/igate/v2')),
    ).toBeUndefined();
  });
});
