import type { Type } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import {
  AuditTrail,
  loadAuditSettings,
  loadAuditSubjectKey,
  type AuditChain,
  type AuditSettings,
  type OperatorAudit,
} from '@lgsp/audit';
import type { ApiKeyRegistry, OwnershipRules } from '@lgsp/auth';
import type { Domain } from '@lgsp/contracts';
import { callersFile, int, optional, policyFile, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type EventProducer, type KafkaSettings } from '@lgsp/kafka';
import { LOGGER, type Logger } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import { loadIntrospectionAccess, type IntrospectionAccess } from '@lgsp/policy';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, type Database, type StoreSettings } from '@lgsp/store';
import { DomainServiceModule, DOMAIN_SERVICE_PARTS } from './domain-service.module';
import { ProjectionConsumer, type Projection } from './projection-consumer';
import { ReadModelRebuild, type ReadModel } from './read-model-rebuild';

export interface DomainServiceConfig {
  port: number;
  host: string;
  callersFile: string;
  policyFile: string;
  consumerGroup: string;
  kafka: KafkaSettings;
  store: StoreSettings;
  logLevel: string;
  /** event schemas folder; the repository's schemas/ when unset */
  schemasDir?: string;
  /** HMAC key for personal ids in the audit trail */
  auditSubjectKey: string;
  /** signing key, published keys, anchor and copy intervals of the audit trail */
  audit: AuditSettings;
  /** who sees the schema (introspection, _service and suggestions): operators and the gateway in production */
  introspection: IntrospectionAccess;
  /** the topic projected and rebuilt from: lgsp.<domain>.events unless given (a test gives one of its own) */
  topic?: string;
}

/** One loader for every domain service: <NAME>_PORT, <NAME>_CONSUMER_GROUP, and the shared settings. */
export function loadDomainServiceConfig(env: Env, name: string, defaultPort: number): DomainServiceConfig {
  const upper = name.toUpperCase();
  return {
    port: int(env, `${upper}_PORT`, defaultPort, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    callersFile: callersFile(env),
    policyFile: policyFile(env),
    consumerGroup: str(env, `${upper}_CONSUMER_GROUP`, `lgsp-${name}-projection`),
    kafka: loadKafkaSettings(env, `lgsp-${name}`),
    store: loadStoreSettings(env, name),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    schemasDir: optional(env, 'LGSP_SCHEMAS_DIR'),
    auditSubjectKey: loadAuditSubjectKey(env),
    audit: loadAuditSettings(env),
    introspection: loadIntrospectionAccess(env),
  };
}

export interface DomainServiceParts {
  db: Database;
  kafka: Kafka;
  producer: EventProducer;
  registry: SchemaRegistry;
  callers: ApiKeyRegistry;
  /** owners of aggregates and delegations (the policy file's `owners`), checked where events are consumed */
  ownership: OwnershipRules;
}

export interface DomainServiceSpec<R extends ReadModel> {
  domain: Domain;
  /**
   * the service's read model, in its own schema or in the one given (a rebuild fills one beside it); the
   * live one is a provider under this class, injected into the resolvers
   */
  readModel: new (db: Database, schema?: string) => R;
  /** the projection of the domain topic into `repository`; applies a batch inside `tx` when given */
  projection(repository: R, parts: DomainServiceParts): Projection;
  /** the subgraph: its SDL (schema-first) and its resolver classes (@Resolver, with the read model injected) */
  graphql: { typeDefs: string; resolvers: Type[] };
}

/**
 * A domain service (DomainServiceModule): the projection of lgsp.<domain>.events into the service's own
 * schema (KafkaBatchServer: batches, commit after the transaction, DLQ), its federated GraphQL subgraph, which
 * authenticates every caller and applies the access policy itself, and the rebuild of its read model
 * from the topic (operator endpoints under /admin/rebuild). `close()` is the app's: Nest's hooks stop
 * the consumer and the audit trail, then close Kafka and the store.
 */
export async function startDomainService<R extends ReadModel>(
  config: DomainServiceConfig,
  spec: DomainServiceSpec<R>,
): Promise<
  RunningApp &
    DomainServiceParts & {
      repository: R;
      audit: AuditChain;
      operatorAudit: OperatorAudit;
      rebuild: ReadModelRebuild<R>;
    }
> {
  const running = await startNestApp(DomainServiceModule.forRoot(config, spec), {
    port: config.port,
    host: config.host,
    // The projection is the app's @nestjs/microservices side: its transport starts once the read model is
    // migrated and the producer connected, and Nest closes it with the app.
    beforeListen: async (app) => {
      app.connectMicroservice({ strategy: app.get(ProjectionConsumer).server });
      await app.startAllMicroservices();
    },
  });
  const { app, url } = running;
  app.get<Logger>(LOGGER).info({ url }, `${spec.domain} subgraph listening`);
  const trail = app.get(AuditTrail);
  return {
    ...running,
    ...app.get<DomainServiceParts>(DOMAIN_SERVICE_PARTS),
    repository: app.get(spec.readModel),
    audit: trail.reads,
    operatorAudit: trail.operator,
    rebuild: app.get<ReadModelRebuild<R>>(ReadModelRebuild),
  };
}
