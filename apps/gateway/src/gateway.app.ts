import { Module, type DynamicModule } from '@nestjs/common';
import mercuriusGateway from '@mercuriusjs/gateway';
import { ApiKeyRegistry, guardGraphql, presentedKey } from '@lgsp/auth';
import { createFastifyApp, listen, type RunningApp } from '@lgsp/core';
import { createLogger, createMetricsRegistry, registerOpsRoutes } from '@lgsp/observability';
import type { GatewayConfig } from './gateway.config';

@Module({})
class GatewayModule {
  static register(): DynamicModule {
    return { module: GatewayModule };
  }
}

/** The federated GraphQL entry point for consumers: authenticates them, then plans over the subgraphs. */
export async function startGateway(config: GatewayConfig): Promise<RunningApp> {
  const log = createLogger('gateway', config.logLevel);
  const metrics = createMetricsRegistry('gateway');
  const callers = ApiKeyRegistry.fromFile(config.callersFile);
  const onInternal = (error: unknown): void => log.error({ err: error }, 'unhandled error');
  const app = await createFastifyApp(GatewayModule.register(), { onInternal });
  const fastify = app.getHttpAdapter().getInstance();
  registerOpsRoutes(fastify, metrics, []);
  guardGraphql(fastify, callers, 'consumer');
  await fastify.register(mercuriusGateway, {
    graphiql: config.graphiql,
    path: '/graphql',
    gateway: {
      services: config.subgraphs.map((s) => ({
        name: s.name,
        url: s.url,
        mandatory: true,
        // The consumer's own key travels on, so each subgraph verifies the caller itself.
        rewriteHeaders: (headers: Record<string, string | string[] | undefined>) => ({
          'x-api-key': presentedKey(headers) ?? config.serviceKey,
        }),
      })),
    },
  });
  const url = await listen(app, config.port, config.host);
  log.info({ url, subgraphs: config.subgraphs.map((s) => s.name) }, 'gateway listening');
  return {
    app,
    url,
    async close() {
      await app.close();
    },
  };
}
