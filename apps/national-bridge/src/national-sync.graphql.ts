import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { SyncRepository, type DossierSync } from './sync.repository';

/**
 * The bridge's subgraph: it extends the dossier (owned by the dossier subgraph) with its delivery to the
 * national portal. Dossier metadata, no personal data: `lastError` is the kind of the failure, its HTTP
 * status and national error code, never the national side's message.
 */
export const nationalSyncSchema = /* GraphQL */ `
  enum NationalSyncState {
    "calls are waiting to be sent"
    PENDING
    "the last try of the first waiting call failed; it is retried with back-off"
    RETRYING
    "every call planned so far reached the national portal"
    DELIVERED
    "a call is parked (refused, or failed on every try): the dossier is held until it is redriven"
    FAILING
  }

  "How a dossier stands with the National Public Service Portal (DVCQG dossier sync)"
  type DossierNationalSync {
    state: NationalSyncState!
    "national calls of the dossier not delivered yet (the parked one included)"
    pendingCalls: Int!
    "when the last call of the dossier reached the national portal"
    deliveredAt: String
    "when the first waiting call started failing"
    failingSince: String
    "the last failure: its kind, HTTP status and national error code"
    lastError: String
    "tries of the dossier's calls so far (tries refused by the open circuit are not counted)"
    attempts: Int!
  }

  extend type Dossier @key(fields: "code") {
    code: String! @external
    "null until the bridge has seen the dossier's submission"
    nationalSync: DossierNationalSync
  }
`;

export type NationalSyncState = 'PENDING' | 'RETRYING' | 'DELIVERED' | 'FAILING';

export function syncState(d: DossierSync): NationalSyncState {
  if (d.parked) return 'FAILING';
  if (d.openCalls === 0) return 'DELIVERED';
  return d.failingSince ? 'RETRYING' : 'PENDING';
}

@Resolver('Dossier')
export class DossierNationalSyncResolver {
  constructor(private readonly repository: SyncRepository) {}

  @ResolveField('nationalSync')
  async nationalSync(@Parent() { code }: { code: string }) {
    const d = (await this.repository.dossiers([code])).get(code);
    if (!d) return null;
    return {
      state: syncState(d),
      pendingCalls: d.openCalls,
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
      failingSince: d.failingSince?.toISOString() ?? null,
      lastError: d.lastError,
      attempts: d.attempts,
    };
  }
}
