import { runUntilSignal } from '@lgsp/core';
import { loadHealthConfig, startHealth } from './src/health.app';

runUntilSignal('health', () => startHealth(loadHealthConfig(process.env)));
