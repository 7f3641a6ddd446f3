import { createHash, createHmac } from 'node:crypto';
import type { EventProducer } from '@lgsp/kafka';
import { ConfigError } from '@lgsp/core';
import type { Database } from '@lgsp/store';
import type { AuditKeyring, AuditSigner } from './audit-keys';
import { SignedChain, type Chained, type StoredEntry } from './signed-chain';
import { verifyChain, type ChainVerdict } from './audit-verify';

/** One read of personal data, as the audit trail keeps it. */
export interface DataAccessEntry {
  kind: 'data-access';
  /** the chain (one per audit store) this entry belongs to */
  chain: string;
  at: string;
  /** the key the entry is signed with (absent on entries written before signing) */
  keyId?: string;
  consumer: { id: string; name: string };
  /** who the consumer read for, as it declared (a national client through the X-Road provider endpoint) */
  onBehalfOf?: OnBehalfOf;
  purpose: string | null;
  operationName: string | null;
  /** SHA-256 of the query text: which query, without storing it in every entry */
  queryHash: string;
  domains: string[];
  fields: string[];
  masked: string[];
  /** HMAC-SHA256 of each personal id read (keyed, so the trail itself does not hold personal ids in clear) */
  citizens: string[];
  records: string[];
}

/** The party a consumer reads for: its client, the user there and the case, as the consumer declared them. */
export interface OnBehalfOf {
  client: string;
  /** X-Road-UserId as sent; the stored entry keeps its keyed digest (subjectDigest) */
  userId?: string;
  issue?: string;
}

export type ChainedEntry = Chained<DataAccessEntry>;

/**
 * LGSP_AUDIT_SUBJECT_KEY: the HMAC key personal ids are recorded under, the same for the gateway and
 * every subgraph. The development default must not reach production: there it has to be set.
 */
export function loadAuditSubjectKey(env: Record<string, string | undefined>): string {
  const key = env.LGSP_AUDIT_SUBJECT_KEY;
  if (key) return key;
  if (env.NODE_ENV === 'production')
    throw new ConfigError(
      'LGSP_AUDIT_SUBJECT_KEY',
      'must be set in production (HMAC key for personal ids in the audit trail)',
    );
  return 'dev-audit-subject-key';
}

/**
 * The keyed digest a personal identifier is recorded as wherever the hub keeps a record of it (audit
 * trail, message log): HMAC-SHA256 under LGSP_AUDIT_SUBJECT_KEY, so a citizen is found by computing it.
 */
export function subjectDigest(subjectKey: string, personalId: string): string {
  return createHmac('sha256', subjectKey).update(personalId).digest('hex');
}

/** The signed chain of personal-data reads in one audit store (see SignedChain), copied to lgsp.audit. */
export class AuditChain {
  readonly chain: SignedChain<DataAccessEntry>;

  constructor(
    db: Database,
    producer: EventProducer,
    private readonly subjectKey: string,
    signer: AuditSigner,
    onError?: (error: unknown) => void,
    /** the store schema of its tables (AUDIT_SCHEMA unless given) */
    schema?: string,
  ) {
    this.chain = new SignedChain<DataAccessEntry>('data-access', db, producer, signer, onError, schema);
  }

  migrate(): Promise<void> {
    return this.chain.migrate();
  }

  /** The keyed digest a citizen's personal id is recorded as (look a citizen up by computing it). */
  subjectDigest(personalId: string): string {
    return subjectDigest(this.subjectKey, personalId);
  }

  async append(
    entry: Omit<DataAccessEntry, 'kind' | 'at' | 'citizens' | 'chain' | 'keyId'> & { citizens: string[] },
  ): Promise<ChainedEntry> {
    return this.chain.append({
      kind: 'data-access',
      at: new Date().toISOString(),
      ...entry,
      citizens: entry.citizens.map((c) => this.subjectDigest(c)).sort(),
    });
  }

  entries(): Promise<StoredEntry<DataAccessEntry>[]> {
    return this.chain.entries();
  }

  /** The store alone: links, hashes, signatures against `keyring` and the head (lgsp.audit: verifyAuditTrail). */
  async verify(keyring: AuditKeyring): Promise<ChainVerdict> {
    const head = await this.chain.readHead();
    return verifyChain(await this.entries(), keyring, { head, signedFrom: head.signedFrom });
  }
}

/** What the access policy saw of one request, as the audit trail records it. */
export interface ReadRecord {
  caller: { id: string; name: string };
  onBehalfOf?: OnBehalfOf;
  purpose: string | null;
  operationName: string | null;
  query: string;
  domains: string[];
  fields: string[];
  masked: string[];
  citizens: string[];
  records: string[];
}

export async function auditRead(chain: AuditChain, read: ReadRecord): Promise<void> {
  await chain.append({
    consumer: { id: read.caller.id, name: read.caller.name },
    // absent rather than undefined: the entry's canonical form (its hash) has no such key then
    // the user a national client names (X-Road-UserId) is a person: kept as a keyed digest, like a citizen's id
    ...(read.onBehalfOf
      ? {
          onBehalfOf: {
            ...read.onBehalfOf,
            ...(read.onBehalfOf.userId !== undefined
              ? { userId: chain.subjectDigest(read.onBehalfOf.userId) }
              : {}),
          },
        }
      : {}),
    purpose: read.purpose,
    operationName: read.operationName,
    queryHash: createHash('sha256').update(read.query).digest('hex'),
    domains: read.domains,
    fields: read.fields,
    masked: read.masked,
    citizens: read.citizens,
    records: read.records,
  });
}
