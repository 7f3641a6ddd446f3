import { LOGGER, type Logger } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import { BridgeConsumer } from './bridge-consumer';
import { DeliveryLoop } from './delivery-loop.service';
import type { NationalBridgeConfig } from './national-bridge.config';
import { NationalBridgeModule, type NationalBridgeOverrides } from './national-bridge.module';
import { SyncRepository } from './sync.repository';

/**
 * Starts the outbound national bridge, listening (/graphql, /metrics, /health/*). Its consumer (the
 * @nestjs/microservices side) starts once the ledger is migrated and the producer connected; `close()` stops
 * it, lets the tries in flight finish, then closes Kafka and the store.
 */
export async function startNationalBridge(
  config: NationalBridgeConfig,
  overrides: NationalBridgeOverrides = {},
): Promise<RunningApp & { loop: DeliveryLoop; repository: SyncRepository }> {
  const running = await startNestApp(NationalBridgeModule.forRoot(config, overrides), {
    port: config.port,
    host: config.host,
    beforeListen: async (app) => {
      app.connectMicroservice({ strategy: app.get(BridgeConsumer).server });
      await app.startAllMicroservices();
    },
  });
  const { app, url } = running;
  app.get<Logger>(LOGGER).info({ url, adapter: config.adapter.kind }, 'national bridge listening');
  return { ...running, loop: app.get(DeliveryLoop), repository: app.get(SyncRepository) };
}
