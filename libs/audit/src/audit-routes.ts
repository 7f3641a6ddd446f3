import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { guardedRoute, type ApiKeyRegistry } from '@lgsp/auth';
import type { EventProducer } from '@lgsp/kafka';
import type { Database } from '@lgsp/store';
import { AuditChain } from './audit-chain';
import type { AuditKeyring, AuditSettings } from './audit-keys';
import { repairAuditTrail, verifyAuditTrail } from './audit-verify';
import { OperatorAudit } from './operator-audit';
import type { StoredChain } from './signed-chain';

/**
 * The audit endpoints of a service with an audit store:
 * - GET /audit/keys: the published public keys (key id → PEM), for anyone who verifies the trail;
 * - GET /admin/audit/verify (operator): the store's chains verified and reconciled with lgsp.audit;
 * - POST /admin/audit/repair (operator): copies entries missing from lgsp.audit again from the store,
 *   itself recorded in the operator chain.
 */
export function registerAuditRoutes(
  fastify: FastifyInstance,
  options: {
    callers: ApiKeyRegistry;
    keyring: AuditKeyring;
    kafka: Kafka;
    chains: StoredChain[];
    operatorAudit: OperatorAudit;
    onInternal: (error: unknown) => void;
  },
): void {
  const { callers, keyring, kafka, chains, operatorAudit, onInternal } = options;
  fastify.get('/audit/keys', async () => keyring.toJson());
  fastify.get(
    '/admin/audit/verify',
    guardedRoute(
      callers,
      ['operator'],
      async () => ({ body: await verifyAuditTrail(chains, kafka, keyring) }),
      onInternal,
    ),
  );
  fastify.post(
    '/admin/audit/repair',
    guardedRoute(
      callers,
      ['operator'],
      async (_request, caller) => {
        let after: Awaited<ReturnType<typeof repairAuditTrail>>['after'] | undefined;
        const result = await operatorAudit.around(
          {
            actor: { id: caller.id, name: caller.name, role: caller.role },
            action: 'audit.repair',
            target: 'lgsp.audit',
            params: {},
          },
          async () => {
            const repaired = await repairAuditTrail(chains, kafka, keyring);
            after = repaired.after;
            return { copied: repaired.copied, ok: repaired.after.ok };
          },
        );
        return { body: { copied: result.copied, report: after } };
      },
      onInternal,
    ),
  );
}

export interface AuditStore {
  reads: AuditChain;
  operator: OperatorAudit;
  onError: (error: unknown) => void;
  /** the audit endpoints over both chains (registerAuditRoutes) */
  registerRoutes: (
    fastify: FastifyInstance,
    options: { callers: ApiKeyRegistry; kafka: Kafka; onInternal: (error: unknown) => void },
  ) => void;
  close: () => Promise<void>;
}

/**
 * A service's audit store: the chain of personal-data reads and the chain of operator actions, both
 * migrated, copied and anchored in the background from open to close(). Write and copy failures go to
 * `log` (never to the consumer).
 */
export async function openAuditStore(
  db: Database,
  producer: EventProducer,
  config: { auditSubjectKey: string; audit: AuditSettings },
  log: { error(fields: object, message: string): void },
): Promise<AuditStore> {
  const onError = (error: unknown): void =>
    log.error({ err: error }, 'audit trail: write or copy to lgsp.audit failed');
  const reads = new AuditChain(db, producer, config.auditSubjectKey, config.audit.signer, onError);
  const operator = new OperatorAudit(producer, 'admin-api', config.audit.signer, db, onError);
  await reads.migrate();
  reads.chain.start(config.audit);
  operator.chain.start(config.audit);
  return {
    reads,
    operator,
    onError,
    registerRoutes: (fastify, options) =>
      registerAuditRoutes(fastify, {
        ...options,
        keyring: config.audit.keyring,
        chains: [reads.chain, operator.chain],
        operatorAudit: operator,
      }),
    close: async () => {
      // the last entries copied and the final heads anchored, before the caller's producer goes
      await reads.chain.stop();
      await operator.chain.stop();
    },
  };
}
