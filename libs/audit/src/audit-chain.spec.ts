import { generateKeyPairSync } from 'node:crypto';
import { AuditKeyring, createSigner, type AuditSigner } from './audit-keys';
import { checkAnchors, verifyChain } from './audit-verify';
import {
  anchorSigningText,
  entryHash,
  entrySigningText,
  GENESIS,
  splitEntry,
  type AnchorRecord,
  type Chained,
} from './signed-chain';
import type { DataAccessEntry } from './audit-chain';

function keyPair(): { pem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const writer = keyPair();
const signer = createSigner(writer.pem, 'writer-1');
const keyring = AuditKeyring.fromJson({ keys: { 'writer-1': writer.publicPem } });

function content(seq: number, purpose = 'inspection'): DataAccessEntry {
  return {
    kind: 'data-access',
    chain: 'c1',
    at: `2026-11-22T0${seq}:00:00.000Z`,
    consumer: { id: 'ioc', name: 'IOC' },
    purpose,
    operationName: 'Citizen',
    queryHash: 'q',
    domains: ['health'],
    fields: ['Encounter.mainDiagnosis'],
    masked: [],
    citizens: ['digest'],
    records: [`r${seq}`],
  };
}

/** Links (and, with a signer, signs) entries the way the writer does: `hashOnly` as the old writer did. */
function link(
  entries: DataAccessEntry[],
  by?: AuditSigner,
  start = 1,
  prev = GENESIS,
): Chained<DataAccessEntry>[] {
  const out: Chained<DataAccessEntry>[] = [];
  let prevHash = prev;
  for (const [i, raw] of entries.entries()) {
    const seq = start + i;
    const entry = by ? { ...raw, keyId: by.keyId } : raw;
    const hash = entryHash(prevHash, seq, entry);
    out.push({
      ...entry,
      seq,
      prevHash,
      hash,
      ...(by ? { sig: by.sign(entrySigningText(seq, prevHash, entry)) } : {}),
    });
    prevHash = hash;
  }
  return out;
}

const chain = (count: number) =>
  link(
    Array.from({ length: count }, (_, i) => content(i + 1)),
    signer,
  );

function anchorOf(entries: Chained[], by: AuditSigner): AnchorRecord {
  const last = entries[entries.length - 1];
  const unsigned = {
    kind: 'anchor' as const,
    name: 'data-access' as const,
    chain: 'c1',
    seq: last.seq,
    hash: last.hash,
    signedFrom: 1,
    at: '2026-11-22T10:00:00.000Z',
    keyId: by.keyId,
  };
  return { ...unsigned, sig: by.sign(anchorSigningText(unsigned)) };
}

describe(verifyChain.name, () => {
  it('accepts an intact signed chain', () => {
    const entries = chain(4);
    expect(verifyChain(entries, keyring, { head: { seq: 4, hash: entries[3].hash } })).toEqual({
      ok: true,
      entries: 4,
      signed: 4,
      unsigned: 0,
    });
  });

  it('reports the first altered entry', () => {
    const entries = chain(4);
    entries[1] = { ...entries[1], purpose: 'statistics' };
    expect(verifyChain(entries, keyring).firstBroken).toEqual({
      seq: 2,
      reason: 'its content does not match its hash (altered)',
    });
  });

  it('reports a deleted entry in the middle and one deleted at the end (head)', () => {
    const entries = chain(4);
    expect(verifyChain([entries[0], entries[2], entries[3]], keyring).firstBroken).toEqual({
      seq: 2,
      reason: 'entry 2 is missing (next is 3)',
    });
    expect(
      verifyChain(entries.slice(0, 3), keyring, { head: { seq: 4, hash: entries[3].hash } }).firstBroken?.seq,
    ).toBe(4);
  });

  it('detects a consistent rewrite: altered and re-hashed with the project hash, links and head fixed', () => {
    const entries = chain(3);
    // The rewriter re-links every entry from the altered one on, but has no private key.
    const forged = entries.map((e, i) => {
      const { content } = splitEntry(e);
      return i === 1
        ? { ...content, consumer: { id: 'press', name: 'Press' }, purpose: 'statistics' }
        : content;
    });
    const relinked = link(forged, undefined).map((e, i) => ({ ...e, sig: entries[i].sig }));
    expect(verifyChain(relinked, keyring, { head: { seq: 3, hash: relinked[2].hash } }).firstBroken).toEqual({
      seq: 2,
      reason: 'its signature does not match (rewritten without the signing key)',
    });
  });

  it('rejects an entry signed by a key that is not published', () => {
    const stranger = createSigner(keyPair().pem, 'stranger');
    const entries = [...chain(2)];
    entries.push(...link([content(3)], stranger, 3, entries[1].hash));
    expect(verifyChain(entries, keyring).firstBroken).toEqual({
      seq: 3,
      reason: 'it is signed by key stranger, which is not published',
    });
    // the same key under a published id does not pass either
    const impostor = createSigner(keyPair().pem, 'writer-1');
    const forged = [...chain(2), ...link([content(3)], impostor, 3, chain(2)[1].hash)];
    expect(verifyChain(forged, keyring).firstBroken?.reason).toBe(
      'its signature does not match (rewritten without the signing key)',
    );
  });

  it('accepts unsigned entries of earlier versions only before the signed ones', () => {
    const legacy = link([content(1), content(2)]);
    const signed = link([content(3)], signer, 3, legacy[1].hash);
    expect(verifyChain([...legacy, ...signed], keyring, { signedFrom: 3 })).toEqual({
      ok: true,
      entries: 3,
      signed: 1,
      unsigned: 2,
    });
    // stripping signatures to rewrite later entries is refused
    const stripped = link([content(1), content(2), content(3, 'statistics')]);
    expect(verifyChain(stripped, keyring, { signedFrom: 3 }).firstBroken).toEqual({
      seq: 3,
      reason: 'it is unsigned where entries are signed (signature removed)',
    });
  });
});

describe(checkAnchors.name, () => {
  it('detects the last entries deleted and the head moved back', () => {
    const entries = chain(5);
    const anchor = anchorOf(entries, signer);
    expect(checkAnchors(entries, [anchor], keyring).problem).toBeUndefined();
    const truncated = entries.slice(0, 3);
    // the store is consistent with its own (moved-back) head ...
    expect(verifyChain(truncated, keyring, { head: { seq: 3, hash: truncated[2].hash } }).ok).toBe(true);
    // ... but not with the anchor
    expect(checkAnchors(truncated, [anchor], keyring).problem).toMatch(
      /^the chain ends at entry 3 but was anchored at entry 5 on .*: entries 4–5 were removed$/,
    );
  });

  it('refuses an anchor signed by an unpublished key', () => {
    const entries = chain(2);
    const forged = anchorOf(entries, createSigner(keyPair().pem, 'stranger'));
    expect(checkAnchors(entries, [forged], keyring).problem).toContain('signed by unpublished key stranger');
  });
});
