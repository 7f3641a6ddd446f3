import { runUntilSignal } from '@lgsp/platform';
import { loadNationalBridgeConfig } from './src/national-bridge.config';
import { startNationalBridge } from './src/national-bridge.app';

runUntilSignal('national-bridge', () => startNationalBridge(loadNationalBridgeConfig(process.env)));
