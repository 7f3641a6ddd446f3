import type { Kafka } from 'kafkajs';
import {
  ChainVerifier,
  checkAnchorsReached,
  readAuditTopic,
  type AnchorCheck,
  type AuditKeyring,
  type ChainVerdict,
} from '@lgsp/audit';
import { bodyDigest, openSealedBody, type BodySide, type StoredBody } from './body-policy';
import type { MessageLog, StoredExchange } from './message-log';

/** An entry as an operator finds it: where it is and which exchange it records. */
export interface ExchangeRef {
  seq: number;
  id?: string;
  at?: string;
  direction?: string;
  service?: string;
  requestId?: string;
}

export interface MessageLogReport {
  ok: boolean;
  chain: string;
  /** links, hashes, signatures, head */
  store: ChainVerdict;
  /** the latest signed anchor in lgsp.audit, which the store must reach (absent when not read) */
  anchor?: AnchorCheck;
  /** the entry the chain breaks at */
  brokenEntry?: ExchangeRef;
  bodies: {
    /** bodies compared with the digest in their signed entry */
    checked: number;
    /** sealed bodies not opened (no key given): only their presence is checked */
    sealedUnopened: number;
    /** bodies missing, altered, or not opening (the first 20) */
    problems: (ExchangeRef & { side: BodySide; reason: string })[];
  };
}

const ref = (e: Partial<StoredExchange> & { seq: number }): ExchangeRef => ({
  seq: e.seq,
  id: e.id,
  at: e.at,
  direction: e.direction,
  service: e.service,
  requestId: e.requestId,
});

function checkBody(
  entry: StoredExchange,
  side: BodySide,
  stored: StoredBody | undefined,
  key: Buffer | undefined,
): { reason?: string; opened: boolean } {
  const digest = entry.bodies?.[side];
  if (!digest || digest.kept === 'digest') return { opened: false };
  if (!stored) return { reason: `its ${side} body is missing`, opened: false };
  if ('clear' in stored) {
    if (digest.kept !== 'clear')
      return { reason: `its ${side} body is kept in clear, not sealed`, opened: false };
    return bodyDigest(stored.clear) === digest.sha256
      ? { opened: true }
      : { reason: `its ${side} body does not match the digest signed in the entry (altered)`, opened: true };
  }
  if (!key) return { opened: false };
  try {
    const body = openSealedBody(key, entry.id, side, stored.sealed);
    return bodyDigest(body) === digest.sha256
      ? { opened: true }
      : { reason: `its sealed ${side} body does not match the digest signed in the entry`, opened: true };
  } catch {
    return { reason: `its sealed ${side} body does not open with the key (altered or moved)`, opened: true };
  }
}

/**
 * Verifies the message log page by page: every link, hash and signature (as the audit trail is
 * verified), the head, the latest signed anchor in lgsp.audit when `kafka` is given (so truncation
 * shows), and each kept body against the digest signed in its entry (sealed ones when `bodyKey` opens
 * them). `onProgress(done, total)` after each page.
 */
export async function verifyMessageLog(
  log: MessageLog,
  keyring: AuditKeyring,
  options: {
    kafka?: Kafka;
    bodyKey?: Buffer;
    pageSize?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<MessageLogReport> {
  const head = await log.chain.readHead();
  const anchors = options.kafka ? ((await readAuditTopic(options.kafka)).anchors.get(head.chain) ?? []) : [];
  const anchored = new Set(anchors.map((a) => a.seq));
  const anchoredHashes = new Map<number, string>();
  const verifier = new ChainVerifier(keyring, head.signedFrom);
  const problems: MessageLogReport['bodies']['problems'] = [];
  let checked = 0;
  let sealedUnopened = 0;
  let lastSeq = 0;
  let done = 0;
  let broken: StoredExchange | undefined;
  const pageSize = options.pageSize ?? 1000;
  for (;;) {
    const page = await log.chain.page(lastSeq, pageSize);
    if (page.length === 0) break;
    const bodies = await log.bodies(
      page.filter((e) => e.bodies?.request || e.bodies?.response).map((e) => e.id),
    );
    for (const entry of page) {
      if (!broken && !verifier.add(entry)) broken = entry;
      if (anchored.has(entry.seq)) anchoredHashes.set(entry.seq, entry.hash);
      for (const side of ['request', 'response'] as const) {
        const result = checkBody(entry, side, bodies.get(entry.id)?.[side], options.bodyKey);
        if (result.opened) checked++;
        else if (entry.bodies?.[side]?.kept === 'sealed' && !result.reason) sealedUnopened++;
        if (result.reason && problems.length < 20)
          problems.push({ ...ref(entry), side, reason: result.reason });
      }
    }
    lastSeq = page[page.length - 1].seq;
    done += page.length;
    options.onProgress?.(done, Math.max(head.seq, done));
  }
  const store = verifier.finish(head);
  const anchor = options.kafka
    ? checkAnchorsReached(anchors, keyring, lastSeq, (seq) => anchoredHashes.get(seq))
    : undefined;
  const brokenSeq = store.firstBroken?.seq;
  // an entry missing, or removed after the last one, has nothing to show but its seq
  const brokenEntry =
    brokenSeq === undefined ? undefined : broken?.seq === brokenSeq ? ref(broken) : { seq: brokenSeq };
  return {
    ok: store.ok && !anchor?.problem && problems.length === 0,
    chain: head.chain,
    store,
    ...(anchor ? { anchor } : {}),
    ...(brokenEntry ? { brokenEntry } : {}),
    bodies: { checked, sealedUnopened, problems },
  };
}

/** One exchange as `lgsp national log list` shows it: metadata only, never a body. */
export interface ExchangeSummary {
  seq: number;
  at: string;
  direction: string;
  client: string;
  service: string;
  requestId: string;
  status?: number;
  outcome?: string;
  errorType?: string;
  durationMs: number;
  health: boolean;
  bodies: string;
}

/** The latest `limit` exchanges, oldest first. */
export async function listExchanges(log: MessageLog, limit: number): Promise<ExchangeSummary[]> {
  const latest = await log.chain.latest(limit);
  return latest.reverse().map((e) => ({
    seq: e.seq,
    at: e.at,
    direction: e.direction,
    client: e.client,
    service: e.service,
    requestId: e.requestId,
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.outcome !== undefined ? { outcome: e.outcome } : {}),
    ...(e.errorType !== undefined ? { errorType: e.errorType } : {}),
    durationMs: e.durationMs,
    health: e.health,
    bodies:
      [
        e.bodies?.request && `request ${e.bodies.request.kept}`,
        e.bodies?.response && `response ${e.bodies.response.kept}`,
      ]
        .filter(Boolean)
        .join(', ') || 'none',
  }));
}
