import { Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusFederationDriver, type MercuriusFederationDriverConfig } from '@nestjs/mercurius';
import type { GraphQLSchema } from 'graphql';
import { Kafka } from 'kafkajs';
import { auditRead, AuditModule, AuditTrail } from '@lgsp/audit';
import { ApiKeyRegistry, AuthModule, loadOwnershipRules } from '@lgsp/auth';
import { readSchemaFiles, Topics } from '@lgsp/contracts';
import { EventProducer, KafkaModule } from '@lgsp/kafka';
import { ObservabilityModule } from '@lgsp/observability';
import { AccessPolicy, graphqlAccess, PolicyModule } from '@lgsp/policy';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { DATABASE, StoreModule, type Database } from '@lgsp/store';
import {
  PROJECTION,
  PROJECTION_SOURCE,
  ProjectionConsumer,
  ProjectionController,
  type ProjectionSource,
} from './projection-consumer';
import { ReadModelRebuild, type ReadModel } from './read-model-rebuild';
import { RebuildController, SERVICE_DOMAIN } from './rebuild.controller';
import type { DomainServiceConfig, DomainServiceParts, DomainServiceSpec } from './subgraph-service';

/** The live read model, whatever its class (the spec's `readModel` provides it). */
export const LIVE_READ_MODEL = Symbol('LGSP_LIVE_READ_MODEL');
/** What the spec's projection is given: the service's resources (DomainServiceParts). */
export const DOMAIN_SERVICE_PARTS = Symbol('LGSP_DOMAIN_SERVICE_PARTS');

/** Creates the live read model's tables in the service's schema, before the projection consumes. */
@Injectable()
export class ReadModelMigration implements OnModuleInit {
  constructor(@Inject(LIVE_READ_MODEL) private readonly model: ReadModel) {}

  onModuleInit(): Promise<void> {
    return this.model.migrate();
  }
}

/**
 * A domain service's federated subgraph through @nestjs/graphql: the Mercurius federation driver serves
 * the SDL (schema-first) with the resolver classes found in the app's modules; the access policy and
 * the read audit attach as the driver's plugin (graphqlAccess), which also stops the start when the
 * policy leaves a field of the schema unclassified.
 */
export function subgraphModule(
  config: Pick<DomainServiceConfig, 'policyFile' | 'introspection'>,
  typeDefs: string,
  audit: DynamicModule,
): DynamicModule {
  return GraphQLModule.forRootAsync<MercuriusFederationDriverConfig>({
    driver: MercuriusFederationDriver,
    imports: [audit],
    inject: [ApiKeyRegistry, AccessPolicy, AuditTrail],
    useFactory: (
      callers: ApiKeyRegistry,
      policy: AccessPolicy,
      trail: AuditTrail,
    ): MercuriusFederationDriverConfig => ({
      typeDefs,
      transformSchema: (schema) => servingSdlAsWritten(schema, typeDefs),
      path: '/graphql',
      graphiql: false,
      plugins: [
        // Every read of personal data this subgraph answers is audited here, in this service's own store
        // (one through the gateway is marked as such: the gateway's entry counts it). A subgraph verifies
        // its callers itself: the gateway forwards the consumer's key.
        graphqlAccess({
          callers,
          policy,
          policyFile: config.policyFile,
          roles: ['consumer', 'gateway', 'operator'],
          onRead: (read) => auditRead(trail.reads, read),
          onAuditFailure: trail.onError,
          auditedByGateway: true,
          introspection: config.introspection,
        }),
      ],
    }),
  });
}

/**
 * Makes `_service { sdl }` answer the SDL as written, as mercurius's own federation plugin does. @apollo/subgraph,
 * which @nestjs/graphql builds a schema-first subgraph with, prints an empty `type Citizen` (and `type Query`)
 * beside the extensions of a type the subgraph does not own, and the mercurius gateway keeps the last
 * definition of a type it reads (mercurius#273): the owner's fields would go. The Mercurius driver works
 * around the same issue this way for code-first schemas.
 */
function servingSdlAsWritten(schema: GraphQLSchema, typeDefs: string): GraphQLSchema {
  const service = schema.getQueryType()?.getFields()._service;
  if (service) service.resolve = () => ({ sdl: typeDefs });
  return schema;
}

/**
 * A domain service as a Nest module: the resource modules (observability, store, Kafka, auth, policy,
 * audit), the live read model (migrated on init) with the projection of the domain topic into it, the
 * rebuild of the read model beside it (operator endpoints under /admin/rebuild), and the subgraph with the
 * spec's resolver classes, which get the read model injected by its class.
 */
@Module({})
export class DomainServiceModule {
  static forRoot<R extends ReadModel>(
    config: DomainServiceConfig,
    spec: DomainServiceSpec<R>,
  ): DynamicModule {
    const topic = config.topic ?? Topics.events(spec.domain);
    const audit = AuditModule.forRoot(config);
    return {
      module: DomainServiceModule,
      imports: [
        ObservabilityModule.forRoot({ service: spec.domain, logLevel: config.logLevel }),
        StoreModule.forRoot(config.store),
        KafkaModule.forRoot({ settings: config.kafka }),
        AuthModule.forRoot(config.callersFile),
        PolicyModule.forRoot(config.policyFile),
        audit,
        subgraphModule(config, spec.graphql.typeDefs, audit),
      ],
      controllers: [RebuildController, ProjectionController],
      providers: [
        { provide: SERVICE_DOMAIN, useValue: spec.domain },
        { provide: spec.readModel, inject: [DATABASE], useFactory: (db: Database) => new spec.readModel(db) },
        { provide: LIVE_READ_MODEL, useExisting: spec.readModel },
        ReadModelMigration,
        {
          provide: DOMAIN_SERVICE_PARTS,
          inject: [DATABASE, Kafka, EventProducer, ApiKeyRegistry],
          useFactory: (db: Database, kafka: Kafka, producer: EventProducer, callers: ApiKeyRegistry) =>
            ({
              db,
              kafka,
              producer,
              callers,
              registry: new SchemaRegistry(readSchemaFiles(config.schemasDir)),
              ownership: loadOwnershipRules(config.policyFile),
            }) satisfies DomainServiceParts,
        },
        {
          provide: PROJECTION,
          inject: [spec.readModel, DOMAIN_SERVICE_PARTS],
          useFactory: (live: R, parts: DomainServiceParts) => spec.projection(live, parts),
        },
        {
          provide: PROJECTION_SOURCE,
          useValue: { groupId: config.consumerGroup, topic } satisfies ProjectionSource,
        },
        ProjectionConsumer,
        {
          provide: ReadModelRebuild,
          inject: [DATABASE, Kafka, spec.readModel, DOMAIN_SERVICE_PARTS],
          useFactory: (db: Database, kafka: Kafka, live: R, parts: DomainServiceParts) =>
            new ReadModelRebuild(db, kafka, topic, {
              live,
              in: (schema) => new spec.readModel(db, schema),
              projection: (model) => spec.projection(model, parts),
            }),
        },
        ...spec.graphql.resolvers,
      ],
    };
  }
}
