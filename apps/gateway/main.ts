import { runUntilSignal } from '@lgsp/platform';
import { loadGatewayConfig } from './src/gateway.config';
import { startGateway } from './src/gateway.app';

runUntilSignal('gateway', () => startGateway(loadGatewayConfig(process.env)));
