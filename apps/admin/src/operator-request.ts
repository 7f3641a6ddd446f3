import type { AuditActor } from '@lgsp/audit';
import type { Caller } from '@lgsp/auth';
import { record, type Confirmation, type Input } from '@lgsp/operations';

/** The operator as the audit trail records them. */
export const actorOf = (caller: Caller): AuditActor => ({
  id: caller.id,
  name: caller.name,
  role: caller.role,
});

/** The API's side of the confirmation rule: bulk writes say `"confirm": true`, the CLI's --yes. */
export const confirmationOf = (body: Input): Confirmation => ({
  confirmed: body.confirm === true,
  refusal: 'this operation writes in bulk: send "confirm": true to run it',
});

/** A JSON request body: an object of named fields (absent is empty). */
export const bodyOf = (body: unknown): Input => record(body, 'the request body');
