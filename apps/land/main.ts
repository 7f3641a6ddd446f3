import { runUntilSignal } from '@lgsp/platform';
import { loadLandConfig, startLand } from './src/land.app';

runUntilSignal('land', () => startLand(loadLandConfig(process.env)));
