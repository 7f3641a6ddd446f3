import { runUntilSignal } from '@lgsp/platform';
import { loadHealthConfig, startHealth } from './src/health.app';

runUntilSignal('health', () => startHealth(loadHealthConfig(process.env)));
