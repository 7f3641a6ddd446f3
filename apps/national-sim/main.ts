import { runUntilSignal } from '@lgsp/platform';
import { loadNationalSimConfig } from './src/national-sim.config';
import { startNationalSim } from './src/national-sim.app';

runUntilSignal('national-sim', () => startNationalSim(loadNationalSimConfig(process.env)));
