import { runUntilSignal } from '@lgsp/platform';
import { loadAdminConfig } from './src/admin.config';
import { startAdmin } from './src/admin.app';

runUntilSignal('admin', () => startAdmin(loadAdminConfig(process.env)));
