import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { mercuriusFederationPlugin } from '@mercuriusjs/federation';
import {
  auditRead,
  loadAuditSettings,
  loadAuditSubjectKey,
  openAuditStore,
  type AuditChain,
  type AuditSettings,
  type OperatorAudit,
} from '@lgsp/audit';
import { ApiKeyRegistry, guardGraphql, loadOwnershipRules, type OwnershipRules } from '@lgsp/auth';
import { readSchemaFiles, Topics, type Domain } from '@lgsp/contracts';
import { createFastifyApp, int, listen, optional, str, type Env, type RunningApp } from '@lgsp/core';
import {
  ConsumerRunner,
  createKafka,
  ensureTopics,
  EventProducer,
  loadKafkaSettings,
  type BatchHandler,
  type ConsumedRecord,
  type DeadLetter,
  type KafkaSettings,
} from '@lgsp/kafka';
import {
  createLogger,
  createMetricsRegistry,
  databaseCheck,
  registerOpsRoutes,
  type HealthCheck,
} from '@lgsp/observability';
import {
  AccessPolicy,
  enforceAccess,
  loadIntrospectionAccess,
  type IntrospectionAccess,
  type Limits,
} from '@lgsp/policy';
import { SchemaRegistry } from '@lgsp/schema-registry';
import {
  loadStoreSettings,
  openDatabase,
  type Database,
  type Queryable,
  type StoreSettings,
} from '@lgsp/store';
import { ReadModelRebuild, type ReadModel } from './read-model-rebuild';
import { registerRebuildRoutes } from './rebuild-routes';

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

const configDir = join(__dirname, '..', '..', '..', 'config');

/** One loader for every domain service: <NAME>_PORT, <NAME>_CONSUMER_GROUP, and the shared settings. */
export function loadDomainServiceConfig(env: Env, name: string, defaultPort: number): DomainServiceConfig {
  const upper = name.toUpperCase();
  return {
    port: int(env, `${upper}_PORT`, defaultPort, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    callersFile: str(env, 'LGSP_CALLERS_FILE', join(configDir, 'callers.dev.json')),
    policyFile: str(env, 'LGSP_POLICY_FILE', join(configDir, 'policy.dev.json')),
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
  /** the service's read model, in its own schema or in the one given (a rebuild fills one beside it) */
  repository(db: Database, schema?: string): R;
  /** the projection of the domain topic into `repository`; applies a batch inside `tx` when given */
  projection(
    repository: R,
    parts: DomainServiceParts,
  ): { handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]> };
  /** `lists`: the policy's list sizes, the ones the cost estimate counts (defaultListSize, maxListSize) */
  graphql: { schema: string; resolvers(repository: R, lists: Limits): Record<string, unknown> };
}

@Module({})
class DomainServiceModule {
  static register(): DynamicModule {
    return { module: DomainServiceModule };
  }
}

/**
 * A domain service: the projection of lgsp.<domain>.events into the service's own schema (consumer
 * runner: batches, commit after the transaction, DLQ), its federated GraphQL subgraph, which
 * authenticates every caller and applies the access policy itself, and the rebuild of its read
 * model from the topic (operator endpoints under /admin/rebuild).
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
  const log = createLogger(spec.domain, config.logLevel);
  const metrics = createMetricsRegistry(spec.domain);
  const callers = ApiKeyRegistry.fromFile(config.callersFile);
  const policy = AccessPolicy.fromFile(config.policyFile);
  const db = await openDatabase(config.store, (level, msg, fields) => log[level](fields ?? {}, msg));
  const repository = spec.repository(db);
  await repository.migrate();

  const kafka = createKafka(config.kafka);
  await ensureTopics(kafka, config.kafka);
  const producer = new EventProducer(kafka);
  await producer.connect();
  const registry = new SchemaRegistry(readSchemaFiles(config.schemasDir));
  const parts: DomainServiceParts = {
    db,
    kafka,
    producer,
    registry,
    callers,
    ownership: loadOwnershipRules(config.policyFile),
  };
  const topic = config.topic ?? Topics.events(spec.domain);
  const projection = spec.projection(repository, parts);
  const handler: BatchHandler = (records) => projection.handle(records);
  const runner = new ConsumerRunner(kafka, producer, {
    groupId: config.consumerGroup,
    topics: [topic],
    handler,
    metrics,
    log: (level, msg, fields) => log[level](fields ?? {}, msg),
  });
  runner.startInBackground();

  const checks: HealthCheck[] = [
    databaseCheck(db),
    { name: 'projection', check: () => runner.assertRunning() },
  ];
  const onInternal = (error: unknown): void => log.error({ err: error }, 'unhandled error');
  // Every read of personal data this subgraph answers is audited here, in this service's own store (one
  // through the gateway is marked as such: the gateway's entry counts it); operator actions (rebuilds)
  // in the store's operator chain.
  const store = await openAuditStore(db, producer, config, log);
  const { reads: audit, operator: operatorAudit } = store;
  const app = await createFastifyApp(DomainServiceModule.register(), { onInternal });
  const fastify = app.getHttpAdapter().getInstance();
  registerOpsRoutes(fastify, metrics, checks);
  const rebuild = new ReadModelRebuild(db, kafka, topic, {
    live: repository,
    in: (schema) => spec.repository(db, schema),
    projection: (model) => spec.projection(model, parts),
  });
  registerRebuildRoutes(fastify, {
    callers,
    rebuild,
    audit: operatorAudit,
    target: spec.domain,
    onInternal,
  });
  // A subgraph verifies its callers itself: the gateway forwards the consumer's key.
  guardGraphql(fastify, callers, 'consumer', 'gateway', 'operator');
  await fastify.register(mercuriusFederationPlugin, {
    schema: spec.graphql.schema,
    resolvers: spec.graphql.resolvers(repository, policy.document.limits) as never,
    graphiql: false,
    path: '/graphql',
  });
  enforceAccess(fastify, {
    callers,
    policy,
    roles: ['consumer', 'gateway', 'operator'],
    onRead: (read) => auditRead(audit, read),
    onAuditFailure: store.onError,
    auditedByGateway: true,
    introspection: config.introspection,
  });
  store.registerRoutes(fastify, { callers, kafka, onInternal });
  const close = async (): Promise<void> => {
    await app.close();
    await rebuild.cancel();
    await runner.stop();
    await store.close();
    await producer.disconnect();
    await db.close();
  };
  let url: string;
  try {
    // Every field this subgraph serves must be classified by the policy, or it does not start.
    policy.assertClassifies(fastify.graphql.schema, config.policyFile);
    url = await listen(app, config.port, config.host);
  } catch (error) {
    await close();
    throw error;
  }
  log.info({ url }, `${spec.domain} subgraph listening`);
  return {
    app,
    url,
    repository,
    ...parts,
    audit,
    operatorAudit,
    rebuild,
    close,
  };
}
