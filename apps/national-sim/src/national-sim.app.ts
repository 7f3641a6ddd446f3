import { LOGGER, type Logger } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import type { NationalSimConfig } from './national-sim.config';
import { NationalSimModule } from './national-sim.module';
import { NationalSim } from './national-sim.service';

/** Starts the national simulator, listening; `sim` is its state and faults, for tests in the same process. */
export async function startNationalSim(
  config: NationalSimConfig,
): Promise<RunningApp & { sim: NationalSim }> {
  const running = await startNestApp(NationalSimModule.forRoot(config), {
    port: config.port,
    host: config.host,
    bodyLimit: 4 * 1024 * 1024,
    // the X-Road form hashes the request body as it came (X-Road-Request-Hash)
    jsonTypes: ['application/json'],
    keepRawBody: true,
  });
  running.app.get<Logger>(LOGGER).info({ url: running.url }, 'national simulator listening');
  return { ...running, sim: running.app.get(NationalSim) };
}
