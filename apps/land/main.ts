import { runUntilSignal } from '@lgsp/core';
import { loadLandConfig, startLand } from './src/land.app';

runUntilSignal('land', () => startLand(loadLandConfig(process.env)));
