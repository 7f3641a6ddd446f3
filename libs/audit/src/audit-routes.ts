import type { Kafka } from 'kafkajs';
import type { Caller } from '@lgsp/auth';
import type { AuditKeyring } from './audit-keys';
import { repairAuditTrail, type TrailReport } from './audit-verify';
import type { OperatorAudit } from './operator-audit';
import type { StoredChain } from './signed-chain';

/** Copies entries missing from lgsp.audit again from the store, recorded in the operator chain as `caller`'s action. */
export async function repairRecorded(
  chains: StoredChain[],
  kafka: Kafka,
  keyring: AuditKeyring,
  operatorAudit: OperatorAudit,
  caller: Caller,
): Promise<{ copied: Record<string, number>; report: TrailReport | undefined }> {
  let after: TrailReport | undefined;
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
  return { copied: result.copied, report: after };
}
