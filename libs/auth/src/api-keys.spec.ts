import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { HubError } from '@lgsp/core';
import { AccessTokenVerifier } from './access-tokens';
import { ApiKeyRegistry, hashApiKey, type Caller } from './api-keys';

const ISSUER = 'https://id.example.gov.vn';
const AUDIENCE = 'lgsp-hub';

describe(ApiKeyRegistry.name, () => {
  let now = new Date('2026-11-28T00:00:00Z');
  let signingKey: KeyLike;
  let sut: ApiKeyRegistry;

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    signingKey = pair.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA' };
    sut = new ApiKeyRegistry(
      [
        {
          id: 'a',
          name: 'A',
          role: 'publisher',
          keys: [
            { sha256: hashApiKey('key-a-old'), expiresAt: '2026-12-01T00:00:00Z' },
            { sha256: hashApiKey('key-a-new') },
          ],
          types: ['vn.lgsp.dossier.*'],
          sources: ['/000.00.01.H22/*'],
          clientId: 'agency-a',
        },
        { id: 'c', name: 'C', role: 'consumer', keySha256: hashApiKey('key-c') },
      ],
      new AccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksFile: '' }, { keys: [jwk] }),
      () => now,
    );
  });

  const codeOf = async (fn: () => unknown): Promise<string | undefined> => {
    try {
      await fn();
    } catch (error) {
      return error instanceof HubError ? error.code : 'other';
    }
    return undefined;
  };
  const token = (
    claims: Record<string, unknown>,
    options: { typ?: string; expiresIn?: string; audience?: string } = {},
  ) =>
    new SignJWT({ client_id: 'agency-a', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: options.typ ?? 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject('agency-a')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(signingKey);
  const publisher = (): Promise<Caller> => sut.authenticate('key-a-new');

  it('authenticates by key and role', async () => {
    expect((await sut.authenticate('key-a-new', 'publisher')).id).toBe('a');
    expect(await codeOf(() => sut.authenticate('key-c', 'publisher'))).toBe('LGSP_ERR_FORBIDDEN');
    expect(await codeOf(() => sut.authenticate('nope'))).toBe('LGSP_ERR_UNAUTHENTICATED');
    expect(await codeOf(() => sut.authenticate(undefined))).toBe('LGSP_ERR_UNAUTHENTICATED');
  });

  it('accepts both keys while one is rotated, and refuses the old one once it expires', async () => {
    expect((await sut.authenticate('key-a-old')).id).toBe('a');
    now = new Date('2026-12-01T00:00:01Z');
    try {
      expect(await codeOf(() => sut.authenticate('key-a-old'))).toBe('LGSP_ERR_UNAUTHENTICATED');
      expect((await sut.authenticate('key-a-new')).id).toBe('a');
    } finally {
      now = new Date('2026-11-28T00:00:00Z');
    }
  });

  it('authenticates an RFC 9068 access token as the caller with that client id', async () => {
    now = new Date();
    expect((await sut.authenticate(await token({}), 'publisher')).id).toBe('a');
  });

  it.each([
    ['an expired token', () => token({}, { expiresIn: '-1m' })],
    ['a token of another type than at+jwt', () => token({}, { typ: 'JWT' })],
    ['a token for another audience', () => token({}, { audience: 'someone-else' })],
    ['a token of an unknown client', () => token({ client_id: 'stranger' })],
    [
      'a token signed by another key',
      async () => {
        const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
        return new SignJWT({ client_id: 'agency-a' })
          .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(other.privateKey);
      },
    ],
  ])('refuses %s with 401', async (_name, make) => {
    const presented = await make();
    expect(await codeOf(() => sut.authenticate(presented))).toBe('LGSP_ERR_UNAUTHENTICATED');
  });

  it('authorizes a publisher only for granted types and sources', async () => {
    const caller = await publisher();
    expect(
      await codeOf(() =>
        sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', '/000.00.01.H22/igate'),
      ),
    ).toBeUndefined();
    expect(
      await codeOf(() =>
        sut.authorizePublish(caller, 'vn.lgsp.land.parcel-registered.v1', '/000.00.01.H22/igate'),
      ),
    ).toBe('LGSP_ERR_FORBIDDEN');
    expect(
      await codeOf(() =>
        sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', '/000.00.02.H22/igate'),
      ),
    ).toBe('LGSP_ERR_FORBIDDEN');
  });

  it.each([
    ['a dot-dot path into another agency', '/000.00.01.H22/../000.00.02.H22/igate'],
    ['a longer agency code with the same prefix', '/000.00.01.H22x/igate'],
    ['the agency alone, without a system', '/000.00.01.H22'],
    ['an empty segment', '/000.00.01.H22//igate'],
    ['an encoded slash', '/000.00.01.H22%2F..%2F000.00.02.H22/igate'],
  ])('matches sources by whole segments: refuses %s', async (_name, source) => {
    const caller = await publisher();
    expect(await codeOf(() => sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', source))).toBe(
      'LGSP_ERR_FORBIDDEN',
    );
  });

  it('matches types by whole segments', async () => {
    const caller = await publisher();
    expect(
      await codeOf(() =>
        sut.authorizePublish(caller, 'vn.lgsp.dossierx.submitted.v1', '/000.00.01.H22/igate'),
      ),
    ).toBe('LGSP_ERR_FORBIDDEN');
    expect(
      await codeOf(() =>
        sut.authorizePublish(caller, 'vn.lgsp.dossier.submitted.v1', '/000.00.01.H22/igate/v2'),
      ),
    ).toBeUndefined();
  });
});
