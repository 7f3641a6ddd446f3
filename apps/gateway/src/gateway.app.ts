import { Module, type DynamicModule } from '@nestjs/common';
import mercuriusGateway from '@mercuriusjs/gateway';
import { auditRead, openAuditStore, type AuditChain, type OperatorAudit } from '@lgsp/audit';
import { ApiKeyRegistry, guardGraphql, presentedKey } from '@lgsp/auth';
import { createKafka, ensureTopics, EventProducer } from '@lgsp/kafka';
import {
  AccessPolicy,
  enforceAccess,
  OPERATION_HEADER,
  PURPOSE_HEADER,
  VIA_GATEWAY_HEADER,
} from '@lgsp/policy';
import { openDatabase, type Database } from '@lgsp/store';
import { createFastifyApp, listen, type RunningApp } from '@lgsp/core';
import { createLogger, createMetricsRegistry, databaseCheck, registerOpsRoutes } from '@lgsp/observability';
import type { GatewayConfig } from './gateway.config';
import { waitForSubgraphs } from './subgraph-wait';

@Module({})
class GatewayModule {
  static register(): DynamicModule {
    return { module: GatewayModule };
  }
}

/** The federated GraphQL entry point for consumers: authenticates them, then plans over the subgraphs. */
export async function startGateway(
  config: GatewayConfig,
): Promise<RunningApp & { audit: AuditChain; operatorAudit: OperatorAudit; db: Database }> {
  const log = createLogger('gateway', config.logLevel);
  const metrics = createMetricsRegistry('gateway');
  const callers = ApiKeyRegistry.fromFile(config.callersFile);
  const policy = AccessPolicy.fromFile(config.policyFile);
  const db = await openDatabase(config.store, (level, msg, fields) => log[level](fields ?? {}, msg));
  const kafka = createKafka(config.kafka);
  await ensureTopics(kafka, config.kafka);
  const producer = new EventProducer(kafka);
  await producer.connect();
  const onInternal = (error: unknown): void => log.error({ err: error }, 'unhandled error');
  const store = await openAuditStore(db, producer, config, log);
  const { reads: audit, operator: operatorAudit } = store;
  const app = await createFastifyApp(GatewayModule.register(), { onInternal });
  const fastify = app.getHttpAdapter().getInstance();
  // Every read is audited in the database first, so the gateway is not ready without it.
  registerOpsRoutes(fastify, metrics, [databaseCheck(db)]);
  // Operators reach /graphql for the schema only: the policy grants them no domain and no purpose.
  guardGraphql(fastify, callers, 'consumer', 'operator');
  await waitForSubgraphs(config.subgraphs, config.serviceKey, (fields, msg) => log.warn(fields, msg));
  await fastify.register(mercuriusGateway, {
    graphiql: config.graphiql,
    path: '/graphql',
    gateway: {
      services: config.subgraphs.map((s) => ({
        name: s.name,
        url: s.url,
        mandatory: true,
        // The consumer's own key travels on, so each subgraph verifies the caller itself.
        rewriteHeaders: (headers: Record<string, string | string[] | undefined>, context: unknown) => {
          const purpose = headers[PURPOSE_HEADER];
          const operation = (context as { lgspAccess?: { operationName?: string } } | undefined)?.lgspAccess
            ?.operationName;
          return {
            'x-api-key': presentedKey(headers) ?? config.serviceKey,
            // Proves the request comes through the gateway: the subgraph checks and audits it as well, and
            // marks its entry as part of the gateway's read (counted once, at the gateway).
            [VIA_GATEWAY_HEADER]: config.serviceKey,
            ...(typeof purpose === 'string' ? { [PURPOSE_HEADER]: purpose } : {}),
            ...(operation ? { [OPERATION_HEADER]: operation } : {}),
          };
        },
      })),
    },
  });
  // Every read of personal data is in the audit trail before the response leaves.
  enforceAccess(fastify, {
    callers,
    policy,
    roles: ['consumer', 'operator'],
    onRead: (read) => auditRead(audit, read),
    onAuditFailure: store.onError,
    introspection: config.introspection,
  });
  store.registerRoutes(fastify, { callers, kafka, onInternal });
  let url: string;
  try {
    // The composed schema is known now: every field of it must be classified, or the gateway does not start.
    policy.assertClassifies(fastify.graphql.schema, config.policyFile);
    url = await listen(app, config.port, config.host);
  } catch (error) {
    await app.close();
    await store.close();
    await producer.disconnect();
    await db.close();
    throw error;
  }
  log.info({ url, subgraphs: config.subgraphs.map((s) => s.name) }, 'gateway listening');
  return {
    app,
    url,
    audit,
    operatorAudit,
    db,
    async close() {
      await app.close();
      await store.close();
      await producer.disconnect();
      await db.close();
    },
  };
}
