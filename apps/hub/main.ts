import { runUntilSignal } from '@lgsp/platform';
import { loadHubConfig } from './src/hub.config';
import { startHub } from './src/hub.app';

runUntilSignal('hub', () => startHub(loadHubConfig(process.env)));
