import { HubError } from '@lgsp/core';

/**
 * How an operator confirms a bulk or destructive operation on one surface. The rule is the same on
 * every surface (see {@link requireConfirmable} and {@link confirm}); the surface only says how it asks.
 */
export interface Confirmation {
  /** given up front: the CLI's --yes, the admin API's "confirm": true */
  confirmed: boolean;
  /**
   * Asks a person, with what the operation will do, once the request is valid (the CLI on a terminal);
   * resolves true to go ahead. Absent where nobody can be asked (HTTP, a CLI without a terminal).
   */
  ask?: (question: string) => Promise<boolean>;
  /** the refusal when it is neither confirmed nor can be asked: how to confirm on this surface */
  refusal: string;
}

/**
 * The first half of the rule: an operation that is not confirmed and cannot be asked about is refused
 * at once (409 LGSP_ERR_NOT_CONFIRMED), before anything is read, whatever else the request holds.
 */
export function requireConfirmable(confirmation: Confirmation): void {
  if (!confirmation.confirmed && !confirmation.ask)
    throw new HubError('LGSP_ERR_NOT_CONFIRMED', confirmation.refusal);
}

/**
 * The whole rule, once the request is valid: confirmed up front goes ahead; otherwise the person is
 * asked what the operation will do (`question`, built only then: it may read the topics), and anything
 * but yes is refused with nothing done.
 */
export async function confirm(
  confirmation: Confirmation,
  question: () => string | Promise<string>,
): Promise<void> {
  requireConfirmable(confirmation);
  if (confirmation.confirmed) return;
  if (!(await confirmation.ask?.(await question())))
    throw new HubError('LGSP_ERR_NOT_CONFIRMED', 'cancelled; nothing was done');
}
