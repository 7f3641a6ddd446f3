import { randomUUID } from 'node:crypto';
import {
  GENESIS,
  SignedChain,
  subjectDigest,
  type AuditSigner,
  type ChainStorage,
  type StoredEntry,
} from '@lgsp/audit';
import { HubError } from '@lgsp/core';
import type { EventProducer } from '@lgsp/kafka';
import type { ExchangeEntry, ExchangeRecorder } from '@lgsp/national';
import type { Database } from '@lgsp/store';
import { keepBody, type BodyDigest, type StoredBody } from './body-policy';
import { DigestPrefix, redactPath } from './redaction';
import type { MessageLogSettings } from './settings';

/** The message log's store schema, unless a service is given one of its own (the one-process hub). */
export const MESSAGE_LOG_SCHEMA = 'message_log';

/**
 * One exchange as the signed chain keeps it: the metadata, personal values as digests, and the digest
 * of each body (the body itself, when the policy keeps it, is in the bodies table under `id`).
 */
export interface LoggedExchange extends Omit<
  ExchangeEntry,
  'requestBody' | 'responseBody' | 'health' | 'userId' | 'path'
> {
  kind: 'national-exchange';
  chain: string;
  keyId?: string;
  /** the key of the entry's bodies */
  id: string;
  health: boolean;
  /** X-Road-UserId as its keyed digest (`hmac:…`) */
  userId?: string;
  /** query values and personal-id segments as keyed digests */
  path?: string;
  bodies: { request?: BodyDigest; response?: BodyDigest };
}

export type StoredExchange = StoredEntry<LoggedExchange>;

/** The message log's tables in `schema`: the chain (shaped like the audit's) and the kept bodies. */
export function messageLogStorage(schema: string = MESSAGE_LOG_SCHEMA): ChainStorage {
  if (!/^[a-z_]+$/.test(schema)) throw new Error(`invalid message log schema name ${schema}`);
  return {
    schema,
    entries: `${schema}.exchange_entries`,
    head: `${schema}.exchange_head`,
    migrations: [
      `CREATE TABLE ${schema}.exchange_entries (
         seq bigint PRIMARY KEY,
         prev_hash text NOT NULL,
         hash text NOT NULL,
         entry jsonb NOT NULL,
         sig text,
         copied_at timestamptz
       );
       CREATE INDEX exchange_entries_not_copied ON ${schema}.exchange_entries (seq) WHERE copied_at IS NULL;
       CREATE TABLE ${schema}.exchange_head (
         id smallint PRIMARY KEY CHECK (id = 1),
         chain_id text NOT NULL,
         seq bigint NOT NULL,
         hash text NOT NULL,
         signed_from bigint NOT NULL
       );
       INSERT INTO ${schema}.exchange_head (id, chain_id, seq, hash, signed_from)
         VALUES (1, 'national-exchange-' || gen_random_uuid()::text, 0, '${GENESIS}', 1);
       CREATE TABLE ${schema}.bodies (
         id uuid PRIMARY KEY,
         request jsonb,
         response jsonb,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  };
}

export interface MessageLogDeps {
  db: Database;
  producer: EventProducer;
  signer: AuditSigner;
  /**
   * LGSP_AUDIT_SUBJECT_KEY: personal values are kept as the audit trail keeps personal ids. Absent when
   * the log is opened only to be read (`lgsp national log`): recording then fails.
   */
  subjectKey?: string;
  settings: MessageLogSettings;
  /** told when a copy to lgsp.audit or an anchor failed (the store is the record; the copier retries) */
  onError?: (error: unknown) => void;
  schema?: string;
}

/**
 * The message log of national exchanges: each exchange a signed, hash-chained entry (the audit trail's
 * SignedChain, a chain of its own in its own schema, copied to lgsp.audit and anchored there), its
 * bodies kept per the body policy. `record` resolves once the entry is committed to the store.
 */
export class MessageLog implements ExchangeRecorder {
  readonly chain: SignedChain<LoggedExchange>;
  private readonly schema: string;

  constructor(private readonly deps: MessageLogDeps) {
    this.schema = deps.schema ?? MESSAGE_LOG_SCHEMA;
    this.chain = new SignedChain<LoggedExchange>(
      'national-exchange',
      deps.db,
      deps.producer,
      deps.signer,
      deps.onError,
      messageLogStorage(this.schema),
    );
  }

  get settings(): MessageLogSettings {
    return this.deps.settings;
  }

  migrate(): Promise<void> {
    return this.chain.migrate();
  }

  /** The keyed digest a personal value is kept as (find an exchange of a user by computing it). */
  digest(value: string): string {
    if (this.deps.subjectKey === undefined)
      throw new Error('the message log was opened to be read: it has no subject key to record with');
    return subjectDigest(this.deps.subjectKey, value);
  }

  async record(exchange: ExchangeEntry): Promise<void> {
    if (this.deps.subjectKey === undefined)
      throw new Error('the message log was opened to be read: it records nothing');
    const { requestBody, responseBody, health: isHealth, userId, path, ...metadata } = exchange;
    const id = randomUUID();
    const health = isHealth === true;
    const request =
      requestBody === undefined
        ? undefined
        : keepBody(this.deps.settings, id, 'request', requestBody, health);
    const response =
      responseBody === undefined
        ? undefined
        : keepBody(this.deps.settings, id, 'response', responseBody, health);
    const entry: Omit<LoggedExchange, 'chain' | 'keyId'> = {
      ...metadata,
      kind: 'national-exchange',
      id,
      health,
      ...(userId !== undefined ? { userId: `${DigestPrefix}${this.digest(userId)}` } : {}),
      ...(path !== undefined ? { path: redactPath(path, (v) => this.digest(v)) } : {}),
      bodies: {
        ...(request ? { request: request.digest } : {}),
        ...(response ? { response: response.digest } : {}),
      },
    };
    try {
      // The bodies first: an entry never names bodies that are not stored (a failed append leaves
      // bodies no entry names, which verification reports and nothing reads).
      if (request?.stored || response?.stored)
        await this.deps.db.query(
          `INSERT INTO ${this.schema}.bodies (id, request, response) VALUES ($1::uuid, $2::jsonb, $3::jsonb)`,
          [
            id,
            request?.stored ? JSON.stringify(request.stored) : null,
            response?.stored ? JSON.stringify(response.stored) : null,
          ],
        );
      await this.chain.append(entry);
    } catch (error) {
      throw new HubError(
        'LGSP_ERR_NATIONAL_LOG_UNAVAILABLE',
        `${exchange.direction} ${exchange.service} ${exchange.requestId}: ${(error as Error).message}`,
      );
    }
  }

  /** The stored bodies of these entries, by entry id. */
  async bodies(ids: string[]): Promise<Map<string, { request?: StoredBody; response?: StoredBody }>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.deps.db.query<{
      id: string;
      request: StoredBody | null;
      response: StoredBody | null;
    }>(`SELECT id::text AS id, request, response FROM ${this.schema}.bodies WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
    return new Map(
      rows.map((r) => [
        r.id,
        { ...(r.request ? { request: r.request } : {}), ...(r.response ? { response: r.response } : {}) },
      ]),
    );
  }
}
