import { createHash, randomBytes } from 'node:crypto';
import { bodyDigest, keepBody, openSealedBody, type SealedBody } from './body-policy';
import { redactPath } from './redaction';
import { loadMessageLogSettings, type MessageLogSettings } from './settings';

const key = randomBytes(32);
const dossierBody = {
  service: 'DongBoHoSoMC',
  data: [{ MaHoSo: '000.00.01.H22-260302-0001', ChuHoSo: 'Nguyễn Văn An' }],
};
const healthBody = { MA_LK: 'LK-1', SO_CCCD: '001203004567', MA_BENH_CHINH: 'J18.9' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the body policy (keepBody)', () => {
  const policy = (bodies: MessageLogSettings['bodies']): MessageLogSettings => ({ bodies, bodyKey: key });

  it('keeps a non-health body in clear under non-health and all, with the digest of its canonical JSON', () => {
    for (const p of ['non-health', 'all'] as const) {
      const kept = keepBody(policy(p), 'id-1', 'request', dossierBody, false);
      expect(kept.stored).toEqual({ clear: dossierBody });
      expect(kept.digest).toEqual({ kept: 'clear', sha256: bodyDigest(dossierBody) });
    }
    // canonical: key order does not change the digest; content does
    expect(bodyDigest({ b: 1, a: 2 })).toBe(bodyDigest({ a: 2, b: 1 }));
    expect(bodyDigest({ a: 2, b: 1 })).toBe(sha256('{"a":2,"b":1}'));
    expect(bodyDigest({ a: 2, b: 2 })).not.toBe(bodyDigest({ a: 2, b: 1 }));
  });

  it('keeps only the digest of every body under none', () => {
    for (const health of [false, true]) {
      const kept = keepBody(policy('none'), 'id-1', 'response', health ? healthBody : dossierBody, health);
      expect(kept.stored).toBeUndefined();
      expect(kept.digest.kept).toBe('digest');
    }
  });

  it('never keeps a health body in clear: its digest under non-health, sealed under all', () => {
    const digestOnly = keepBody(policy('non-health'), 'id-1', 'request', healthBody, true);
    expect(digestOnly).toEqual({ digest: { kept: 'digest', sha256: bodyDigest(healthBody) } });

    const sealed = keepBody(policy('all'), 'id-1', 'request', healthBody, true);
    expect(sealed.digest).toEqual({ kept: 'sealed', sha256: bodyDigest(healthBody) });
    const stored = JSON.stringify(sealed.stored);
    expect(stored).not.toContain('001203004567');
    expect(stored).not.toContain('J18.9');
    const box = (sealed.stored as { sealed: SealedBody }).sealed;
    expect(openSealedBody(key, 'id-1', 'request', box)).toEqual(healthBody);
  });

  it('binds a sealed body to its key, its entry and its side', () => {
    const box = (
      keepBody(policy('all'), 'id-1', 'response', healthBody, true).stored as { sealed: SealedBody }
    ).sealed;
    expect(() => openSealedBody(randomBytes(32), 'id-1', 'response', box)).toThrow();
    expect(() => openSealedBody(key, 'id-2', 'response', box)).toThrow();
    expect(() => openSealedBody(key, 'id-1', 'request', box)).toThrow();
    const flipped = Buffer.from(box.data, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      openSealedBody(key, 'id-1', 'response', { ...box, data: flipped.toString('base64') }),
    ).toThrow();
  });
});

describe(loadMessageLogSettings.name, () => {
  it('defaults to non-health without a key', () => {
    expect(loadMessageLogSettings({})).toEqual({ bodies: 'non-health' });
  });

  it('takes none and all, and a 32-byte base64 key', () => {
    expect(loadMessageLogSettings({ LGSP_XROAD_LOG_BODIES: 'none' }).bodies).toBe('none');
    const settings = loadMessageLogSettings({
      LGSP_XROAD_LOG_BODIES: 'all',
      LGSP_XROAD_LOG_BODY_KEY: key.toString('base64'),
    });
    expect(settings).toEqual({ bodies: 'all', bodyKey: key });
  });

  it('refuses an unknown policy, all without a key, and a key of the wrong length, naming the variable', () => {
    expect(() => loadMessageLogSettings({ LGSP_XROAD_LOG_BODIES: 'some' })).toThrow(/LGSP_XROAD_LOG_BODIES/);
    expect(() => loadMessageLogSettings({ LGSP_XROAD_LOG_BODIES: 'all' })).toThrow(/LGSP_XROAD_LOG_BODY_KEY/);
    expect(() =>
      loadMessageLogSettings({ LGSP_XROAD_LOG_BODY_KEY: randomBytes(16).toString('base64') }),
    ).toThrow(/32 bytes/);
  });
});

describe(redactPath.name, () => {
  const digest = (v: string) => `<${v}>`;

  it('replaces every query value by its digest and keeps the names', () => {
    expect(redactPath('/dossiers?MaHoSo=000.00.01.H22-260302-0001&cccd=001203004567&flag', digest)).toBe(
      '/dossiers?MaHoSo=hmac:<000.00.01.H22-260302-0001>&cccd=hmac:<001203004567>&flag',
    );
  });

  it('digests the decoded value, so two encodings of one value give one digest', () => {
    expect(redactPath('/x?name=Nguy%E1%BB%85n+An', digest)).toBe('/x?name=hmac:<Nguyễn An>');
  });

  it('replaces path segments shaped like a personal id (12 digits, or the 9 of the old id card)', () => {
    expect(redactPath('/citizens/001203004567/dossiers/123456789', digest)).toBe(
      '/citizens/hmac:<001203004567>/dossiers/hmac:<123456789>',
    );
    expect(redactPath('/dossiers/000.00.01.H22-260302-0001/status', digest)).toBe(
      '/dossiers/000.00.01.H22-260302-0001/status',
    );
  });
});
