import type { Kafka } from 'kafkajs';
import { Topics } from '@lgsp/contracts';
import { readRanges, resolveRange } from '@lgsp/kafka';
import type { AuditKeyring } from './audit-keys';
import {
  anchorSigningText,
  entryHash,
  entrySigningText,
  GENESIS,
  type AnchorRecord,
  type ChainBase,
  type Chained,
  type ChainName,
  type StoredChain,
} from './signed-chain';

export interface ChainVerdict {
  ok: boolean;
  entries: number;
  /** entries with a valid signature by a published key */
  signed: number;
  /** entries written before entries were signed (a prefix of the chain): only their hash links are checked */
  unsigned: number;
  /** the first entry whose link, hash or signature does not hold, and why */
  firstBroken?: { seq: number; reason: string };
}

function broken(
  entries: number,
  signed: number,
  unsigned: number,
  seq: number,
  reason: string,
): ChainVerdict {
  return { ok: false, entries, signed, unsigned, firstBroken: { seq, reason } };
}

/**
 * Checks a chain entry by entry, so that a long one can be read page by page (`add`, then `finish`):
 * sequence, links, each entry's hash, and each entry's signature against the published keys. A
 * consistent rewrite (re-hashed with the project's own hash function) fails here: its signatures no
 * longer match, and the rewriter has no private key. Unsigned entries are accepted only as the legacy
 * prefix written before signing began (`signedFrom`, pinned by signed anchors), never after a signed entry.
 */
export class ChainVerifier {
  private prev = GENESIS;
  private expected = 1;
  private signed = 0;
  private unsigned = 0;
  private read = 0;
  private failure?: { seq: number; reason: string };

  constructor(
    private readonly keyring: AuditKeyring,
    private readonly signedFrom?: number,
  ) {}

  /** The next entry in order; false once the chain is broken (later entries are not looked at). */
  add(e: Chained): boolean {
    if (this.failure) return false;
    this.read++;
    const reason = this.check(e);
    if (reason) {
      this.failure = { seq: reason.seq, reason: reason.reason };
      return false;
    }
    this.prev = e.hash;
    this.expected++;
    return true;
  }

  private check(e: Chained): { seq: number; reason: string } | undefined {
    const { seq, prevHash, hash, sig, ...rest } = e;
    const content = { ...rest } as ChainBase & { copied?: boolean };
    delete content.copied;
    const expected = this.expected;
    if (seq !== expected) return { seq: expected, reason: `entry ${expected} is missing (next is ${seq})` };
    if (prevHash !== this.prev) return { seq, reason: 'its link to the previous entry does not match' };
    if (entryHash(prevHash, seq, content) !== hash)
      return { seq, reason: 'its content does not match its hash (altered)' };
    if (sig === undefined || content.keyId === undefined) {
      if (this.signed > 0 || (this.signedFrom !== undefined && seq >= this.signedFrom))
        return { seq, reason: 'it is unsigned where entries are signed (signature removed)' };
      this.unsigned++;
      return undefined;
    }
    const check = this.keyring.check(content.keyId, entrySigningText(seq, prevHash, content), sig);
    if (check === 'unknown-key')
      return { seq, reason: `it is signed by key ${content.keyId}, which is not published` };
    if (check === 'invalid')
      return { seq, reason: 'its signature does not match (rewritten without the signing key)' };
    this.signed++;
    return undefined;
  }

  /** The verdict once every entry was added; `head` (the store's) must be where the chain ends. */
  finish(head?: { seq: number; hash: string }): ChainVerdict {
    const { read: n, signed, unsigned } = this;
    if (this.failure) return broken(n, signed, unsigned, this.failure.seq, this.failure.reason);
    const last = this.expected - 1;
    if (head && (head.seq !== last || head.hash !== this.prev))
      return broken(
        n,
        signed,
        unsigned,
        this.expected,
        `the chain head says ${head.seq} entries: entries after ${last} were removed`,
      );
    return { ok: true, entries: n, signed, unsigned };
  }
}

/** Checks a whole chain (from the store or from lgsp.audit) at once: see ChainVerifier. */
export function verifyChain(
  list: Chained[],
  keyring: AuditKeyring,
  options: { head?: { seq: number; hash: string }; signedFrom?: number } = {},
): ChainVerdict {
  const verifier = new ChainVerifier(keyring, options.signedFrom);
  for (const e of list) if (!verifier.add(e)) break;
  const verdict = verifier.finish(options.head);
  // the count is of the entries given, as before, not only those looked at before a break
  return { ...verdict, entries: list.length };
}

export interface AnchorCheck {
  /** the latest anchor with a valid signature, if any */
  latest?: Pick<AnchorRecord, 'seq' | 'hash' | 'at' | 'keyId' | 'signedFrom'>;
  /** why the chain does not reach what the latest anchor attests, or why an anchor is not genuine */
  problem?: string;
}

/** Checks the anchors of one chain and that `list` reaches the latest: truncation shows here. */
export function checkAnchors(list: Chained[], anchors: AnchorRecord[], keyring: AuditKeyring): AnchorCheck {
  const last = list.length > 0 ? list[list.length - 1].seq : 0;
  return checkAnchorsReached(anchors, keyring, last, (seq) => list.find((e) => e.seq === seq)?.hash);
}

/**
 * The anchors' signatures, and that a chain ending at `lastSeq` reaches the latest with the anchored
 * hash (`hashAt`: the stored hash of an entry), for a chain read page by page.
 */
export function checkAnchorsReached(
  anchors: AnchorRecord[],
  keyring: AuditKeyring,
  lastSeq: number,
  hashAt: (seq: number) => string | undefined,
): AnchorCheck {
  let latest: AnchorRecord | undefined;
  for (const a of anchors) {
    const { sig, ...unsigned } = a;
    const check = keyring.check(a.keyId, anchorSigningText(unsigned), sig);
    if (check !== 'valid')
      return {
        problem: `an anchor of seq ${a.seq} (${a.at}) is ${check === 'unknown-key' ? `signed by unpublished key ${a.keyId}` : 'not validly signed'}`,
      };
    if (!latest || a.seq > latest.seq) latest = a;
  }
  if (!latest) return {};
  const { seq, hash, at, keyId, signedFrom } = latest;
  const summary = { seq, hash, at, keyId, signedFrom };
  if (lastSeq < seq)
    return {
      latest: summary,
      problem: `the chain ends at entry ${lastSeq} but was anchored at entry ${seq} on ${at}: entries ${lastSeq + 1}–${seq} were removed`,
    };
  if (hashAt(seq) !== hash)
    return { latest: summary, problem: `entry ${seq} does not have the hash anchored on ${at} (rewritten)` };
  return { latest: summary };
}

/** lgsp.audit as read back: chained entries and anchors, by chain id. */
export interface AuditTopicContent {
  entries: Map<string, Chained[]>;
  anchors: Map<string, AnchorRecord[]>;
}

/** Reads lgsp.audit from the beginning (the topic keeps everything, for ever). */
export async function readAuditTopic(kafka: Kafka): Promise<AuditTopicContent> {
  const content: AuditTopicContent = { entries: new Map(), anchors: new Map() };
  const ranges = await resolveRange(kafka, Topics.audit, { kind: 'earliest' });
  await readRanges(
    kafka,
    Topics.audit,
    ranges,
    async (records) => {
      for (const r of records) {
        if (!r.value) continue;
        const kind = r.headers.lgsp_audit_kind;
        let value: Record<string, unknown>;
        try {
          value = JSON.parse(r.value.toString('utf8')) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (typeof value.chain !== 'string') continue; // operator records of earlier versions were not chained
        if (kind === 'anchor') {
          const list = content.anchors.get(value.chain) ?? [];
          list.push(value as unknown as AnchorRecord);
          content.anchors.set(value.chain, list);
        } else if (typeof value.seq === 'number') {
          const list = content.entries.get(value.chain) ?? [];
          list.push(value as unknown as Chained);
          content.entries.set(value.chain, list);
        }
      }
    },
    undefined,
    6,
  );
  return content;
}

/** seqs, with the first few listed */
export interface SeqSet {
  count: number;
  seqs: number[];
}

const seqSet = (seqs: number[]): SeqSet => ({ count: seqs.length, seqs: seqs.slice(0, 20) });

/**
 * One copy of each entry of a chain in the topic, by seq. A copy may be written twice (the copier
 * retried after an answer was lost); identical copies are one, different ones are reported.
 */
function dedupe(list: Chained[]): { unique: Chained[]; conflicting: number[] } {
  const bySeq = new Map<number, Chained>();
  const conflicting = new Set<number>();
  for (const e of list) {
    const seen = bySeq.get(e.seq);
    if (!seen) bySeq.set(e.seq, e);
    else if (seen.hash !== e.hash || seen.sig !== e.sig) conflicting.add(e.seq);
  }
  return { unique: [...bySeq.values()].sort((a, b) => a.seq - b.seq), conflicting: [...conflicting] };
}

export interface ChainReport {
  name: ChainName;
  chain: string;
  ok: boolean;
  /** the store: links, hashes, signatures, head */
  store: ChainVerdict;
  anchor: AnchorCheck;
  topic: {
    /** entries whose copy to lgsp.audit is still pending (broker down when written): not a failure */
    notYetCopied: SeqSet;
    /** entries the store says were copied but the topic lacks (`--repair` copies them again) */
    missing: SeqSet;
    /** entries whose copy in the topic differs from the store (one of them was tampered with) */
    differs: SeqSet;
    /** entries in the topic beyond or absent from the store (the store lost them) */
    onlyInTopic: SeqSet;
  };
}

export interface TrailReport {
  ok: boolean;
  chains: ChainReport[];
}

/**
 * Verifies an audit store's chains and reconciles them with lgsp.audit: every link, hash and
 * signature in the store, the latest signed anchor of each chain (the store must reach it), and each
 * entry against its copy in the topic.
 */
export async function verifyAuditTrail(
  chains: StoredChain[],
  kafka: Kafka,
  keyring: AuditKeyring,
): Promise<TrailReport> {
  const topic = await readAuditTopic(kafka);
  const reports: ChainReport[] = [];
  for (const chain of chains) {
    const head = await chain.readHead();
    const stored = await chain.entries();
    const anchorCheck = checkAnchors(stored, topic.anchors.get(head.chain) ?? [], keyring);
    const store = verifyChain(stored, keyring, {
      head,
      // an anchor pins where signing began: moving it in the store does not make signed entries optional
      signedFrom: Math.min(anchorCheck.latest?.signedFrom ?? head.signedFrom, head.signedFrom),
    });
    const { unique, conflicting } = dedupe(topic.entries.get(head.chain) ?? []);
    const copies = new Map(unique.map((e) => [e.seq, e]));
    const notYetCopied: number[] = [];
    const missing: number[] = [];
    const differs = new Set(conflicting);
    for (const e of stored) {
      const copy = copies.get(e.seq);
      copies.delete(e.seq);
      if (!copy) (e.copied ? missing : notYetCopied).push(e.seq);
      else if (copy.hash !== e.hash || copy.sig !== e.sig || copy.prevHash !== e.prevHash) differs.add(e.seq);
    }
    const onlyInTopic = [...copies.keys()].sort((a, b) => a - b);
    const report: ChainReport = {
      name: chain.name,
      chain: head.chain,
      ok:
        store.ok &&
        !anchorCheck.problem &&
        missing.length === 0 &&
        differs.size === 0 &&
        onlyInTopic.length === 0,
      store,
      anchor: anchorCheck,
      topic: {
        notYetCopied: seqSet(notYetCopied),
        missing: seqSet(missing),
        differs: seqSet([...differs].sort((a, b) => a - b)),
        onlyInTopic: seqSet(onlyInTopic),
      },
    };
    reports.push(report);
  }
  return { ok: reports.every((r) => r.ok), chains: reports };
}

/** Copies entries missing from lgsp.audit (or not yet copied) again from the store. */
export async function repairAuditTrail(
  chains: StoredChain[],
  kafka: Kafka,
  keyring: AuditKeyring,
): Promise<{ copied: Record<string, number>; after: TrailReport }> {
  const topic = await readAuditTopic(kafka);
  const copied: Record<string, number> = {};
  for (const chain of chains) {
    const head = await chain.readHead();
    const inTopic = new Set((topic.entries.get(head.chain) ?? []).map((e) => e.seq));
    const seqs = (await chain.entries()).filter((e) => !e.copied || !inTopic.has(e.seq)).map((e) => e.seq);
    copied[chain.name] = seqs.length > 0 ? await chain.copyPending(seqs) : 0;
  }
  return { copied, after: await verifyAuditTrail(chains, kafka, keyring) };
}

/** The topic alone (`lgsp audit verify --topic`): every chain it holds, with its anchors. */
export async function verifyAuditTopic(
  kafka: Kafka,
  keyring: AuditKeyring,
): Promise<{ chain: string; verdict: ChainVerdict; anchor: AnchorCheck }[]> {
  const topic = await readAuditTopic(kafka);
  return verifyTopicChains(topic, keyring);
}

export function verifyTopicChains(
  topic: AuditTopicContent,
  keyring: AuditKeyring,
): { chain: string; verdict: ChainVerdict; anchor: AnchorCheck }[] {
  return [...topic.entries].map(([chain, list]) => {
    const { unique, conflicting } = dedupe(list);
    const anchor = checkAnchors(unique, topic.anchors.get(chain) ?? [], keyring);
    let verdict = verifyChain(unique, keyring, { signedFrom: anchor.latest?.signedFrom });
    if (verdict.ok && conflicting.length > 0)
      verdict = broken(
        verdict.entries,
        verdict.signed,
        verdict.unsigned,
        conflicting[0],
        'the topic holds two different copies of it',
      );
    return { chain, verdict, anchor };
  });
}
