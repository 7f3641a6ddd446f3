import {
  AllowedTransitions,
  DossierStatuses,
  OpenStatuses,
  ResolvedStatuses,
  type DossierStatusCode,
} from './dossier-status';

describe('OpenStatuses', () => {
  it('are the statuses that are neither resolved nor final', () => {
    const codes = Object.keys(DossierStatuses).map(Number) as DossierStatusCode[];
    const open = codes.filter((c) => !ResolvedStatuses.includes(c) && AllowedTransitions[c].length > 0);
    expect([...OpenStatuses]).toEqual(open);
  });
});
