import { LOGGER, type Logger } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import type { AdminConfig } from './admin.config';
import { AdminModule } from './admin.module';

/** Starts the admin API (see AdminModule); `close()` shuts it down through Nest's hooks. */
export async function startAdmin(config: AdminConfig): Promise<RunningApp> {
  const running = await startNestApp(AdminModule.forRoot(config), {
    port: config.port,
    host: config.host,
    jsonTypes: ['application/json'],
  });
  running.app.get<symbol, Logger>(LOGGER).info({ url: running.url }, 'admin API listening');
  return running;
}
