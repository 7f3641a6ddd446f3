import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusGatewayDriver, type MercuriusGatewayDriverConfig } from '@nestjs/mercurius';
import { auditRead, AuditModule, AuditTrail, type AuditChain, type OperatorAudit } from '@lgsp/audit';
import { ApiKeyRegistry, AuthModule, presentedKey } from '@lgsp/auth';
import { KafkaModule } from '@lgsp/kafka';
import { LOGGER, ObservabilityModule, type Logger } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import {
  AccessPolicy,
  checkedOperationName,
  graphqlAccess,
  OPERATION_HEADER,
  PolicyModule,
  PURPOSE_HEADER,
  VIA_GATEWAY_HEADER,
} from '@lgsp/policy';
import { DATABASE, StoreModule, type Database } from '@lgsp/store';
import type { GatewayConfig } from './gateway.config';
import { waitForSubgraphs } from './subgraph-wait';

/**
 * The federated graph through @nestjs/graphql's Mercurius gateway driver: composed once every subgraph
 * serves its schema (the options' factory waits, so the gateway opens its port only then), with the
 * consumer's key, purpose and checked operation forwarded to each subgraph, and the access policy and
 * read audit as the driver's plugin (graphqlAccess), which also stops the start when the policy leaves a
 * field of the composed schema unclassified.
 */
function gatewayGraphql(config: GatewayConfig, audit: DynamicModule): DynamicModule {
  return GraphQLModule.forRootAsync<MercuriusGatewayDriverConfig>({
    driver: MercuriusGatewayDriver,
    imports: [audit],
    inject: [ApiKeyRegistry, AccessPolicy, AuditTrail, LOGGER],
    useFactory: async (
      callers: ApiKeyRegistry,
      policy: AccessPolicy,
      trail: AuditTrail,
      logger: Logger,
    ): Promise<MercuriusGatewayDriverConfig> => {
      await waitForSubgraphs(config.subgraphs, config.serviceKey, (fields, msg) => logger.warn(fields, msg));
      return {
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
              const operation = checkedOperationName(context);
              return {
                'x-api-key': presentedKey(headers) ?? config.serviceKey,
                // Proves the request comes through the gateway: the subgraph checks and audits it as well,
                // and marks its entry as part of the gateway's read (counted once, at the gateway).
                [VIA_GATEWAY_HEADER]: config.serviceKey,
                ...(typeof purpose === 'string' ? { [PURPOSE_HEADER]: purpose } : {}),
                ...(operation ? { [OPERATION_HEADER]: operation } : {}),
              };
            },
          })),
        },
        plugins: [
          // Operators reach /graphql for the schema only: the policy grants them no domain and no purpose.
          // Every read of personal data is in the audit trail before the response leaves.
          graphqlAccess({
            callers,
            policy,
            policyFile: config.policyFile,
            roles: ['consumer', 'operator'],
            onRead: (read) => auditRead(trail.reads, read),
            onAuditFailure: trail.onError,
            introspection: config.introspection,
          }),
        ],
      };
    },
  });
}

/**
 * The gateway as a Nest module: the resource modules, the audit trail (every read is audited in the
 * database first, so readiness is the store's) and the federated graph.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const audit = AuditModule.forRoot(config);
    return {
      module: GatewayModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'gateway', logLevel: config.logLevel }),
        StoreModule.forRoot(config.store),
        KafkaModule.forRoot({ settings: config.kafka }),
        AuthModule.forRoot(config.callersFile),
        PolicyModule.forRoot(config.policyFile),
        audit,
        gatewayGraphql(config, audit),
      ],
    };
  }
}

/** The federated GraphQL entry point for consumers: authenticates them, then plans over the subgraphs. */
export async function startGateway(
  config: GatewayConfig,
): Promise<RunningApp & { audit: AuditChain; operatorAudit: OperatorAudit; db: Database }> {
  const running = await startNestApp(GatewayModule.forRoot(config), { port: config.port, host: config.host });
  const { app, url } = running;
  app.get<Logger>(LOGGER).info({ url, subgraphs: config.subgraphs.map((s) => s.name) }, 'gateway listening');
  const trail = app.get(AuditTrail);
  return { ...running, audit: trail.reads, operatorAudit: trail.operator, db: app.get<Database>(DATABASE) };
}
