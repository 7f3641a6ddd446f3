/** The owners section of the policy file (OwnershipRules): who may change which aggregate. */
export const OWNERSHIP_RULES = Symbol('LGSP_OWNERSHIP_RULES');
