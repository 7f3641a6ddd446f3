import { LOGGER, type Logger } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import type { IngestConfig } from './ingest.config';
import { IngestModule, type IngestOverrides } from './ingest.module';
import { IngressConsumer } from './ingress-consumer';

/** The media types ingest reads as JSON; any other is answered 415 by the controller. */
const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'];

/**
 * Starts ingest: the IngestModule on Fastify, listening. `overrides.kafka` reaches the Kafka client
 * config (tests use it to cut the network to the broker). `close()` is Nest's shutdown: HTTP, then the
 * ingress validator's transport, then Kafka and the database.
 */
export async function startIngest(
  config: IngestConfig,
  overrides: IngestOverrides = {},
): Promise<RunningApp> {
  const running = await startNestApp(IngestModule.forRoot(config, overrides), {
    port: config.port,
    host: config.host,
    bodyLimit: config.bodyLimitBytes,
    jsonTypes: JSON_TYPES,
    // The ingress validator is the app's @nestjs/microservices side: its transport starts once topics
    // exist and the producer is connected, and Nest closes it with the app.
    beforeListen: async (app) => {
      app.connectMicroservice({ strategy: app.get(IngressConsumer).server });
      await app.startAllMicroservices();
    },
  });
  running.app.get<Logger>(LOGGER).info({ url: running.url }, 'ingest listening');
  return running;
}
