import { readFileSync } from 'node:fs';
import { HubError } from '@lgsp/core';

/**
 * Who owns an aggregate, and who may change it. The owner follows from the aggregate itself, as the
 * national formats define it:
 *  - a dossier: the agency that received it, the prefix of its code (MaHoSo `<agency>-YYMMDD-NNNN`);
 *  - a land parcel: the land office whose area holds its commune (the MaXa in its id), from the policy file;
 *  - a health encounter, claim or vaccination: its facility (MA_CSKCB).
 * Only the owner, or an agency the policy file names as its delegate (a provincial one-stop centre
 * acting for its districts), may publish events that change it.
 */
export interface OwnershipRules {
  /** land office agency → commune codes (MaXa) of its area; `*` for every commune */
  landAreas: Record<string, string[]>;
  /** delegate agency → agencies it may act for */
  delegations: Record<string, string[]>;
}

/** The `owners` section of the policy file (config/policy.dev.json); absent → no land offices, no delegates. */
export function loadOwnershipRules(policyFile: string): OwnershipRules {
  const parsed = JSON.parse(readFileSync(policyFile, 'utf8')) as { owners?: Partial<OwnershipRules> };
  const rules = { landAreas: parsed.owners?.landAreas ?? {}, delegations: parsed.owners?.delegations ?? {} };
  delete (rules.landAreas as Record<string, unknown>).$comment;
  delete (rules.delegations as Record<string, unknown>).$comment;
  for (const [section, map] of Object.entries(rules))
    for (const [agency, list] of Object.entries(map))
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string'))
        throw new Error(`${policyFile}: owners.${section}.${agency} must be a list of strings`);
  return rules;
}

/** The agency of a CloudEvents source: its first path segment (`/000.00.01.H22/igate` → `000.00.01.H22`). */
export function sourceAgency(source: string): string {
  return source.split('/').filter(Boolean)[0] ?? '';
}

/** The owners of the aggregate an event changes (any one of them may change it); undefined: not known here. */
export function ownersOf(type: string, data: unknown, rules: OwnershipRules): string[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const fields = data as Record<string, unknown>;
  if (type.startsWith('vn.lgsp.dossier.') && typeof fields.MaHoSo === 'string')
    return [fields.MaHoSo.split('-')[0]];
  if (type.startsWith('vn.lgsp.health.') && typeof fields.MA_CSKCB === 'string') return [fields.MA_CSKCB];
  if (type.startsWith('vn.lgsp.land.') && typeof fields.MaThuaDat === 'string') {
    // The commune in the parcel's id (<MaXa>-<sheet>-<number>), not a field the publisher could set apart.
    const commune = fields.MaThuaDat.split('-')[0];
    return Object.entries(rules.landAreas)
      .filter(([, communes]) => communes.includes('*') || communes.includes(commune))
      .map(([office]) => office);
  }
  return undefined;
}

/** Throws LGSP_ERR_NOT_OWNER unless the publishing agency owns the aggregate or is a delegate of an owner. */
export function assertMayChange(type: string, data: unknown, source: string, rules: OwnershipRules): void {
  const owners = ownersOf(type, data, rules);
  if (owners === undefined) return;
  const publisher = sourceAgency(source);
  const actsFor = new Set([publisher, ...(rules.delegations[publisher] ?? [])]);
  if (owners.some((owner) => actsFor.has(owner))) return;
  throw new HubError(
    'LGSP_ERR_NOT_OWNER',
    owners.length === 0
      ? `no land office owns the area of this parcel; ${publisher} may not change it`
      : `${publisher} does not own this ${type.split('.')[2]} (owner: ${owners.join(', ')}) and is not its delegate`,
  );
}
