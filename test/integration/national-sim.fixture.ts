import { startNationalSim } from '../../apps/national-sim/src/national-sim.app';
import { loadNationalSimConfig } from '../../apps/national-sim/src/national-sim.config';

/** The national simulator on a free port, accepting `account` with the password `<account>-password`. */
export function startTestNationalSim(account: string, logLevel = 'warn') {
  return startNationalSim({
    ...loadNationalSimConfig({}),
    port: 0,
    host: '127.0.0.1',
    username: account,
    password: `${account}-password`,
    sessionTtlMs: 60_000,
    logLevel,
  });
}
