import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import type { RunningApp } from '@lgsp/platform';
import { event, submitted, uniqueDossierCode } from '@lgsp/testing';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

/** Issue 10: OAuth 2.0 access tokens (RFC 9068) next to API keys, verified against a configured JWKS. */
describe('ingest: access tokens and API keys (integration)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-credentials-'));
  let sut: RunningApp;
  let signingKey: KeyLike;

  const post = (body: unknown, authorization: string) =>
    fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', authorization },
      body: JSON.stringify(body),
    });
  const token = (expiresIn: string) =>
    new SignJWT({ client_id: 'igate-000.00.01.H22', scope: 'publish' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'test-1' })
      .setIssuer('https://id.test.lgsp')
      .setAudience('lgsp-ingest')
      .setSubject('igate-000.00.01.H22')
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(signingKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    signingKey = pair.privateKey;
    writeFileSync(
      join(dir, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'test-1', alg: 'EdDSA' }] }),
    );
    // The development callers, plus token settings and a client id for agency 000.00.01.H22.
    const callers = JSON.parse(readFileSync(join(__dirname, '../../config/callers.dev.json'), 'utf8')) as {
      callers: { id: string; clientId?: string }[];
    };
    callers.callers.find((c) => c.id === '000.00.01.H22')!.clientId = 'igate-000.00.01.H22';
    writeFileSync(
      join(dir, 'callers.json'),
      JSON.stringify({
        ...callers,
        tokens: { issuer: 'https://id.test.lgsp', audience: 'lgsp-ingest', jwksFile: 'jwks.json' },
      }),
    );
    sut = await startIngest(
      loadIngestConfig({
        ...process.env,
        INGEST_PORT: '0',
        LGSP_PGLITE_DIR: join(dir, 'pglite'),
        LGSP_CALLERS_FILE: join(dir, 'callers.json'),
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await sut?.close();
  }, 60_000);

  it('accepts a publish with a valid access token and refuses an expired one', async () => {
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 1));
    expect((await post(ce, `Bearer ${await token('5m')}`)).status).toBe(202);
    const expired = await post(
      event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 2)),
      `Bearer ${await token('-2m')}`,
    );
    expect(expired.status).toBe(401);
    const problem = (await expired.json()) as { code: string; detail: string };
    expect(problem).toMatchObject({ code: 'LGSP_ERR_UNAUTHENTICATED' });
    expect(problem.detail).toContain('expired');
  });

  it('still accepts the API key of the same caller', async () => {
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 3));
    expect((await post(ce, 'Bearer dev-publisher-key-000.00.01.H22')).status).toBe(202);
  });
});
